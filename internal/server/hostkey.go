package server

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// LoadHostKey reads the server's private host key from path. If the file does
// not exist it creates a new ed25519 key there, mode 0600, so the server's
// fingerprint stays the same across restarts.
func LoadHostKey(path string) (gossh.Signer, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = createHostKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	return signer, nil
}

// ReadHostKey reads the host key at path, creating nothing: a missing key is
// an error that wraps fs.ErrNotExist.
func ReadHostKey(path string) (gossh.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	return signer, nil
}

// createHostKey writes a new ed25519 key in OpenSSH format to path and
// returns its PEM bytes. The file appears whole or not at all.
func createHostKey(path string) ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "sshblog host key")
	if err != nil {
		return nil, fmt.Errorf("encoding: %w", err)
	}
	data := pem.EncodeToMemory(block)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating its folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".host_key-*")
	if err != nil {
		return nil, fmt.Errorf("creating: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename this fails harmlessly
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("setting its mode: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("writing: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("writing: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("writing: %w", err)
	}
	// Link rather than rename: if another process created the key meanwhile,
	// keep theirs.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return os.ReadFile(path)
		}
		return nil, fmt.Errorf("saving: %w", err)
	}
	return data, nil
}
