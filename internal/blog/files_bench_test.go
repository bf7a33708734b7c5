package blog

import (
	"bytes"
	"context"
	"runtime"
	"testing"

	"github.com/sshblog/sshblog/internal/corpus"
)

// BenchmarkImportProject moves a real-shaped blog in whole: an Astro
// project of 3,000 posts of about 20 KB and an SVG diagram (about 12 KB)
// for each of their 7,500 images, imported into a new bbolt blog in one
// transaction. It reports the archive's size, the files stored and the
// heap the import left live.
func BenchmarkImportProject(b *testing.B) {
	var tar bytes.Buffer
	if err := corpus.WriteProject(&tar, corpus.Generate(3000, 1)); err != nil {
		b.Fatal(err)
	}
	data := tar.Bytes()
	b.ReportMetric(float64(len(data))/(1<<20), "MiB-archive")
	for b.Loop() {
		b.StopTimer()
		blg, _, _ := newBlog(b, Config{MaxImport: 512 << 20})
		runtime.GC()
		b.StartTimer()
		res, err := blg.Import(context.Background(), ash, bytes.NewReader(data), ImportOptions{})
		if err != nil || res.Imported != 3000 || len(res.Missing) != 0 {
			b.Fatalf("%+v, %v", res, err)
		}
		b.StopTimer()
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		b.ReportMetric(float64(res.Files), "files")
		b.ReportMetric(float64(blg.MediaSize())/(1<<20), "MiB-media")
		b.ReportMetric(float64(m.HeapAlloc)/(1<<20), "MiB-live-after")
		b.StartTimer()
	}
}
