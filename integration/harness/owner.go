package harness

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// giveTo makes dir and everything below it belong to uid (and the group of
// the same number), and lets that uid traverse every directory above dir up
// to the system's temporary directory. A process started under uid then
// reads its configuration and writes its data as it would under root. The
// ancestors only gain search permission (o+x): nothing in them becomes
// readable or writable to others.
func giveTo(dir string, uid uint32) error {
	err := filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(uid), int(uid))
	})
	if err != nil {
		return fmt.Errorf("harness: give %s to uid %d: %w", dir, uid, err)
	}
	root, err := filepath.Abs(os.TempDir())
	if err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	if !strings.HasPrefix(abs, root+string(filepath.Separator)) {
		return fmt.Errorf("harness: %s is outside %s: a process under uid %d may not reach it", abs, root, uid)
	}
	for p := filepath.Dir(abs); p != root && strings.HasPrefix(p, root); p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("harness: %w", err)
		}
		if st.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(p, st.Mode().Perm()|0o001); err != nil {
				return fmt.Errorf("harness: %w", err)
			}
		}
	}
	return nil
}
