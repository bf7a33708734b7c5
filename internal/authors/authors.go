// Package authors maps public keys to authors from a folder of key files:
// keys/NAME.pub, in authorized_keys format, makes NAME an author.
//
// The folder is read again whenever a file in it is added, changed or
// removed, checked on each lookup: there is no polling, and a removed file
// revokes its keys for the very next connection.
package authors

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	gossh "golang.org/x/crypto/ssh"
)

// maxKeyFile bounds how much of one key file is read.
const maxKeyFile = 64 << 10

// namePattern is what an author's name (the file name without .pub) may be.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Folder is a keys folder. It is safe for concurrent use.
type Folder struct {
	dir string
	log *slog.Logger

	mu    sync.Mutex
	state string            // what the folder looked like when last read
	keys  map[string]string // marshalled public key -> author name
}

// Open reads the keys folder dir, creating it if it does not exist.
func Open(dir string, log *slog.Logger) (*Folder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("authors: creating keys folder: %w", err)
	}
	f := &Folder{dir: dir, log: log}
	if err := f.refresh(); err != nil {
		return nil, err
	}
	return f, nil
}

// Author returns the name of the author whose file lists key.
func (f *Folder) Author(key gossh.PublicKey) (string, bool) {
	if err := f.refresh(); err != nil {
		f.log.Error("reading keys folder", "dir", f.dir, "err", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	name, ok := f.keys[string(key.Marshal())]
	return name, ok
}

// Names returns the authors' names, sorted.
func (f *Folder) Names() []string {
	if err := f.refresh(); err != nil {
		f.log.Error("reading keys folder", "dir", f.dir, "err", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	for _, n := range f.keys {
		seen[n] = true
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// refresh reads the folder again if any .pub file was added, removed or
// changed since the last read. On an error the folder counts as empty: a
// folder that cannot be read grants nothing.
func (f *Folder) refresh() error {
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		f.mu.Lock()
		f.keys, f.state = nil, ""
		f.mu.Unlock()
		return fmt.Errorf("authors: %w", err)
	}
	var state strings.Builder
	var files []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".pub") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		fmt.Fprintf(&state, "%s\x00%d\x00%d\n", e.Name(), info.Size(), info.ModTime().UnixNano())
		files = append(files, e.Name())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if state.String() == f.state && f.keys != nil {
		return nil
	}
	keys := map[string]string{}
	for _, file := range files {
		f.load(file, keys)
	}
	f.keys, f.state = keys, state.String()
	f.log.Info("loaded authors' keys", "dir", f.dir, "files", len(files), "keys", len(keys))
	return nil
}

// load adds the keys of one file to keys, logging and skipping bad lines.
func (f *Folder) load(file string, keys map[string]string) {
	name := strings.TrimSuffix(file, ".pub")
	if !namePattern.MatchString(name) {
		f.log.Warn("skipping key file: the author's name must be letters, digits, '.', '_' or '-'", "file", file)
		return
	}
	data, err := readBounded(filepath.Join(f.dir, file))
	if err != nil {
		f.log.Warn("skipping key file", "file", file, "err", err)
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxKeyFile)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		key, _, _, _, err := gossh.ParseAuthorizedKey(text)
		if err != nil {
			f.log.Warn("skipping malformed key line", "file", file, "line", line, "err", err)
			continue
		}
		k := string(key.Marshal())
		if other, ok := keys[k]; ok && other != name {
			f.log.Warn("key listed for two authors; keeping the first", "file", file, "line", line, "author", other)
			continue
		}
		keys[k] = name
	}
}

// readBounded reads a key file, refusing one over maxKeyFile.
func readBounded(path string) ([]byte, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxKeyFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("larger than %d KiB", maxKeyFile>>10)
	}
	return data, nil
}
