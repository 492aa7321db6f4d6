package benchreport

import (
	"bytes"
	"testing"
)

// FuzzReadJSON feeds arbitrary bytes to ReadJSON: it must not panic, and a
// report it accepts must render in every format.
func FuzzReadJSON(f *testing.F) {
	var seed bytes.Buffer
	if err := sampleReport().WriteJSON(&seed); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Bytes())
	f.Add([]byte(`{"results":[{"scenario":"S1","figure":"x","kind":"samsa","runs":[1e308,1e308]}]}`))
	f.Add([]byte(`{"results":[{"scenario":"S1","figure":"x","chart":true,"kind":"kafka","runs":[]}]}`))
	f.Add([]byte(`{"results":[{"scenario":"S1","figure":"x","chart":true,"kind":"samsa","runs":[1.7e308,-1e308]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		var out bytes.Buffer
		_ = r.WriteJSON(&out)
		_ = r.WriteMarkdown(&out)
		_ = r.WritePNG(&out)
	})
}
