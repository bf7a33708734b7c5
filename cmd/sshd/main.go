// Command sshd is sshblog: it serves the blog over SSH. Build it as
// sshblog (go build -o sshblog ./cmd/sshd), never as sshd, so that it does
// not shadow OpenSSH's server on a PATH.
//
// With no configuration it listens on :23234, keeps its data in ./data and
// reads authors' keys from ./keys. Settings come from a YAML file
// (--config), BLOG_* environment variables and flags; run it with --help for
// every setting and --print-config for the ones in effect. See package
// internal/config.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // time zones work in a minimal container too

	"github.com/sshblog/sshblog/internal/app"
	"github.com/sshblog/sshblog/internal/backup"
	"github.com/sshblog/sshblog/internal/config"
	"github.com/sshblog/sshblog/internal/server"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
)

// shutdownGrace is how long open sessions get to finish on SIGTERM.
const shutdownGrace = 4 * time.Second

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, config.ErrDone) {
			return
		}
		fmt.Fprintln(os.Stderr, "sshblog:", err)
		os.Exit(1)
	}
}

// runBackup is `sshblog backup FILE [flags]`: a consistent copy of the
// database, taken from the running server if there is one.
func runBackup(args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: sshblog backup FILE [--data DIR] [--addr ADDR] [other settings]")
	}
	cfg, err := config.Load(args[1:], getenv, stdout)
	if err != nil {
		return err
	}
	// Nothing is created: with no host key no server of this blog runs,
	// and the database is read as it is, if there is one.
	hostKey, err := server.ReadHostKey(cfg.HostKeyPath())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	how, err := backup.ToFile(context.Background(), backup.Source{Addr: cfg.DialAddr(), HostKey: hostKey, Database: cfg.DatabasePath(), Data: cfg.Data}, args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up to %s, %s\n", args[0], how)
	return nil
}

// runMigrate is `sshblog migrate --from STORE --to STORE [settings]`: every
// post, revision and alias copied from one store to the other, checked
// byte for byte; run again, it takes up a copy that stopped half-way.
func runMigrate(args []string, getenv func(string) string, stdout io.Writer) error {
	var from, to string
	var rest []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case (a == "--from" || a == "--to") && i+1 < len(args):
			if a == "--from" {
				from = args[i+1]
			} else {
				to = args[i+1]
			}
			i++
		default:
			rest = append(rest, a)
		}
	}
	if from == "" || to == "" {
		return errors.New("usage: sshblog migrate --from bolt:PATH|etcd://HOST:2379 --to bolt:PATH|etcd://HOST:2379 [--store-prefix P] [other settings]")
	}
	cfg, err := config.Load(rest, getenv, stdout)
	if err != nil {
		return err
	}
	src, err := app.OpenSource(from, cfg)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no blog at %s; nothing was written", from)
	}
	if err != nil {
		return fmt.Errorf("opening %s: %w", from, err)
	}
	defer src.Close()
	return copyInto(src, to, cfg, "copied", stdout)
}

// copyInto copies the blog src holds into the store to names, and says how
// it went with verb ("copied", "restored").
func copyInto(src store.Source, to string, cfg config.Config, verb string, stdout io.Writer) error {
	dst, err := app.OpenStore(to, cfg)
	if err != nil {
		return fmt.Errorf("opening %s: %w", to, err)
	}
	defer dst.Close()
	res, err := store.Copy(context.Background(), src, dst)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s %d posts, %d aliases and %d proposals, %d posts already there; every revision checked\n", verb, res.Copied, res.Aliases, res.Proposals, res.Skipped)
	return nil
}

// runHealth is `sshblog health [flags]`: exit 0 if the blog at the configured
// address answers, 1 if not.
func runHealth(args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(args, getenv, stdout)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := server.Probe(ctx, cfg.DialAddr(), cfg.ProxyProtocol); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

// runRestore is `sshblog restore FILE --to STORE [settings]`: a backup (a
// bbolt file, or the JSON lines of a blog in etcd) written into a store,
// every post, revision, alias and proposal, checked byte for byte; run
// again, it takes up a restore that stopped half-way.
func runRestore(args []string, getenv func(string) string, stdout io.Writer) error {
	var file, to string
	var rest []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	for i := 0; i < len(args); i++ {
		if args[i] == "--to" && i+1 < len(args) {
			to = args[i+1]
			i++
			continue
		}
		rest = append(rest, args[i])
	}
	if file == "" || to == "" {
		return errors.New("usage: sshblog restore FILE --to bolt:PATH|etcd://HOST:2379 [--store-prefix P] [other settings]")
	}
	cfg, err := config.Load(rest, getenv, stdout)
	if err != nil {
		return err
	}
	src, closeSrc, err := app.OpenBackup(file)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no backup at %s; nothing was written", file)
	}
	if err != nil {
		return fmt.Errorf("opening the backup %s: %w", file, err)
	}
	defer closeSrc()
	return copyInto(src, to, cfg, "restored", stdout)
}

// run serves the blog with the configuration args and getenv give, until
// SIGINT or SIGTERM. The answers to --help, --version and --print-config go
// to stdout, the log to stderr.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if err := termtext.Pin(); err != nil {
		return err
	}
	if len(args) > 0 {
		switch args[0] {
		case "backup":
			return runBackup(args[1:], getenv, stdout)
		case "health":
			return runHealth(args[1:], getenv, stdout)
		case "migrate":
			return runMigrate(args[1:], getenv, stdout)
		case "restore":
			return runRestore(args[1:], getenv, stdout)
		}
	}
	cfg, err := config.Load(args, getenv, stdout)
	if err != nil {
		return err
	}
	log := cfg.Logger(stderr)
	if cfg.MemoryLimit > 0 {
		debug.SetMemoryLimit(cfg.MemoryLimit)
	}
	a, err := app.Open(cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ls, err := a.Listen()
	if err != nil {
		return err
	}
	web, https := "", ""
	if ls.Web != nil {
		web = ls.Web.Addr().String()
	}
	if a.Certs != nil { // with a domain: the web is HTTPS; plain HTTP redirects
		web, https = "", web
		if ls.HTTP != nil {
			web = ls.HTTP.Addr().String()
		}
	}
	log.Info("listening", "addr", ls.SSH.Addr().String(), "http", web, "https", https, "data", cfg.Data, "title", cfg.Title)
	return a.Serve(ctx, ls, shutdownGrace)
}
