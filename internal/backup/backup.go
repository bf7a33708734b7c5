// Package backup copies a blog's database to a file, whether the server is
// running or not.
//
// A running server holds an exclusive lock on its bbolt file, so the copy is
// asked of the server itself: backup connects over SSH as the server's own
// host key, which the server takes as its operator, and runs `backup`, which
// streams a consistent snapshot (bbolt's Tx.WriteTo). When nothing listens,
// the file is opened directly.
package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/sshblog/sshblog/internal/store/boltstore"
	gossh "golang.org/x/crypto/ssh"
)

// Source says where a blog is: its address, its host key and its database.
type Source struct {
	Addr     string       // the address to reach the server at from this machine
	HostKey  gossh.Signer // the server's host key; nil if there is none (then no server is asked)
	Database string       // the bbolt file
	Data     string       // the data folder, for the error when there is no blog
}

// ErrNoBlog is the error when there is no blog at the source: no server
// answers and no database file exists. Nothing is created.
var ErrNoBlog = errors.New("no blog")

// ToFile writes a consistent copy of the database to path, atomically: the
// file appears whole or not at all. It reports how the copy was made.
func ToFile(ctx context.Context, src Source, path string) (string, error) {
	if src.HostKey == nil {
		if _, err := os.Stat(src.Database); errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%w at %s", ErrNoBlog, src.Data)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".backup-*")
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	how, err := write(ctx, src, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	return how, nil
}

// write copies the database to w, from the running server if there is one.
func write(ctx context.Context, src Source, w io.Writer) (string, error) {
	if src.HostKey != nil {
		err := fromServer(ctx, src, w)
		if err == nil {
			return "from the running server at " + src.Addr, nil
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			return "", err
		}
	}
	db, err := boltstore.OpenReadOnly(src.Database)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w at %s", ErrNoBlog, src.Data)
	}
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.WriteTo(w); err != nil {
		return "", err
	}
	return "from " + src.Database + " (no server was running)", nil
}

// fromServer asks the running server for a copy.
func fromServer(ctx context.Context, src Source, w io.Writer) error {
	addr := src.Addr
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	c, chans, reqs, err := gossh.NewClientConn(conn, addr, &gossh.ClientConfig{
		User:            "backup",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(src.HostKey)},
		HostKeyCallback: gossh.FixedHostKey(src.HostKey.PublicKey()),
		Timeout:         10 * time.Second,
	})
	if err != nil {
		conn.Close()
		return fmt.Errorf("connecting to %s: %w", addr, err)
	}
	client := gossh.NewClient(c, chans, reqs)
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", addr, err)
	}
	defer sess.Close()
	sess.Stdout = w
	var stderr limitedBuffer
	sess.Stderr = &stderr
	if err := sess.Run("backup"); err != nil {
		return fmt.Errorf("the server refused: %s (%w)", stderr.String(), err)
	}
	return nil
}

// limitedBuffer keeps the first KiB written to it.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	room := 1024 - len(l.b)
	l.b = append(l.b, p[:min(room, len(p))]...)
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }
