package authors

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// kubeMount lays out dir as Kubernetes mounts a Secret or ConfigMap: each
// NAME.pub is a link to ..data/NAME.pub, and ..data a link to a timestamped
// folder holding the files. It returns a function that publishes a new
// version the way the kubelet does: a new folder, and ..data swapped to it
// atomically by renaming a new link over it.
func kubeMount(t *testing.T, dir string, files map[string]string) (update func(map[string]string)) {
	t.Helper()
	version := 0
	update = func(files map[string]string) {
		t.Helper()
		version++
		ts := filepath.Join(dir, "..2026_12_08_00_00_00."+strings.Repeat("x", version))
		if err := os.Mkdir(ts, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, content := range files {
			write(t, filepath.Join(ts, name), content)
		}
		tmp := filepath.Join(dir, "..data_tmp")
		if err := os.Symlink(filepath.Base(ts), tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
		for name := range files {
			link := filepath.Join(dir, name)
			if _, err := os.Lstat(link); err == nil {
				continue
			}
			if err := os.Symlink(filepath.Join("..data", name), link); err != nil {
				t.Fatal(err)
			}
		}
	}
	update(files)
	return update
}

func TestKubernetesMountSwap(t *testing.T) {
	dir := t.TempDir()
	ash, ashLine := newKey(t)
	ash2, ash2Line := newKey(t)
	update := kubeMount(t, dir, map[string]string{"ash.pub": ashLine + "\n"})
	var logs strings.Builder
	f, err := Open(dir, logTo(&logs))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Author(ash, local); got != "ash" {
		t.Fatalf("through the links: %q, want ash", got)
	}
	// A new version replaces the key: the link ash.pub itself never
	// changes, only where ..data points.
	update(map[string]string{"ash.pub": ash2Line + "\n"})
	if got, ok := f.Author(ash, local); ok {
		t.Errorf("after the swap the old key is still %q's", got)
	}
	if got, _ := f.Author(ash2, local); got != "ash" {
		t.Errorf("after the swap the new key is %q, want ash", got)
	}
	// A version with the file emptied revokes.
	update(map[string]string{"ash.pub": ""})
	if got, ok := f.Author(ash2, local); ok {
		t.Errorf("after emptying the file through the link: still %q", got)
	}
}

func TestSymlinkTargetChanges(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	ash, ashLine := newKey(t)
	_, otherLine := newKey(t)
	target := filepath.Join(elsewhere, "ash.pub")
	write(t, target, ashLine+"\n")
	if err := os.Symlink(target, filepath.Join(dir, "ash.pub")); err != nil {
		t.Fatal(err)
	}
	f, err := Open(dir, logTo(new(strings.Builder)))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Author(ash, local); got != "ash" {
		t.Fatalf("through a link: %q, want ash", got)
	}

	// cp -p: the same size and the same mtime, another key.
	info, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if len(otherLine) != len(ashLine) {
		t.Fatalf("test keys of different lengths: %d, %d", len(otherLine), len(ashLine))
	}
	write(t, target, otherLine+"\n")
	if err := os.Chtimes(target, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	if got, ok := f.Author(ash, local); ok {
		t.Errorf("after a same-size, same-mtime rewrite: still %q", got)
	}

	// Back, then the target deleted: the link dangles.
	write(t, target, ashLine+"\n")
	if got, _ := f.Author(ash, local); got != "ash" {
		t.Fatalf("after restoring: %q, want ash", got)
	}
	if err := os.Remove(target); err != nil {
		t.Fatal(err)
	}
	if got, ok := f.Author(ash, local); ok {
		t.Errorf("after deleting the link's target: still %q", got)
	}
}

// TestSameSizeRewrite is cp -p on a plain file: the same size and mtime.
func TestSameSizeRewrite(t *testing.T) {
	dir := t.TempDir()
	ash, ashLine := newKey(t)
	_, otherLine := newKey(t)
	path := filepath.Join(dir, "ash.pub")
	write(t, path, ashLine+"\n")
	mtime := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	f, err := Open(dir, logTo(new(strings.Builder)))
	if err != nil {
		t.Fatal(err)
	}
	write(t, path, otherLine+"\n")
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if got, ok := f.Author(ash, local); ok {
		t.Errorf("after cp -p of another key: still %q", got)
	}
}

// BenchmarkLookup is the cost of the change check on each lookup: a folder
// of 20 key files of 3 keys each, unchanged between lookups.
func BenchmarkLookup(b *testing.B) {
	dir := b.TempDir()
	key := func() string { _, l := newKey(b); return l }
	for i := range 20 {
		name := filepath.Join(dir, "author"+strings.Repeat("x", i)+".pub")
		if err := os.WriteFile(name, []byte(key()+"\n"+key()+"\n"+key()+"\n"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	f, err := Open(dir, logTo(new(strings.Builder)))
	if err != nil {
		b.Fatal(err)
	}
	k, _ := newKey(b)
	for b.Loop() {
		f.Lookup(k, local)
	}
}

// TestConcurrentLookups looks keys up from many goroutines while the file
// changes; each lookup after the change sees it (run with -race).
func TestConcurrentLookups(t *testing.T) {
	dir := t.TempDir()
	ash, ashLine := newKey(t)
	path := filepath.Join(dir, "ash.pub")
	write(t, path, ashLine+"\n")
	f, err := Open(dir, logTo(new(strings.Builder)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
					f.Lookup(ash, local)
				}
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	write(t, path, "")
	if got, ok := f.Author(ash, local); ok {
		t.Errorf("after emptying the file, amid concurrent lookups: still %q", got)
	}
	close(done)
	wg.Wait()
}
