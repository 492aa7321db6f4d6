package samsa

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/samsa-broker/samsa/"

// allowedImports is the import graph of docs/CONTRACTS.md and DESIGN.md: for each of our
// packages (by directory prefix), which of our packages it may import. Packages not listed
// (cmd, integration) may import anything.
var allowedImports = []struct {
	dir     string
	allowed []string
}{
	{"internal/compress", nil},
	{"protocol", []string{"internal/compress"}},
	{"storage", []string{"internal/compress", "storage"}},
	{"coordinator", []string{"coordinator"}},
	{"conf", []string{"conf"}},
	{"broker/group", []string{"broker/group"}},
	{"broker", []string{"protocol", "storage", "coordinator", "internal", "broker"}},
}

// TestImportGraph keeps the layering honest: domain packages never reach upward or sideways.
func TestImportGraph(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "build", "run", "dist", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		rule := -1
		for i, r := range allowedImports {
			if dir == r.dir || strings.HasPrefix(dir, r.dir+"/") {
				rule = i
				break
			}
		}
		if rule < 0 {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if !strings.HasPrefix(p, module) {
				continue
			}
			ours := strings.TrimPrefix(p, module)
			ok := false
			for _, a := range allowedImports[rule].allowed {
				if ours == a || strings.HasPrefix(ours, a+"/") {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s imports %s: package %s may import only %v", path, ours, allowedImports[rule].dir, allowedImports[rule].allowed)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
