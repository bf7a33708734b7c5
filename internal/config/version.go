package config

import (
	"fmt"
	"runtime/debug"
	"strings"
	"time"
)

// Version returns the line sshblog --version prints, read from the
// binary's build information: the main module's version, then the VCS
// revision it was built from (marked -dirty if the work tree had changes)
// and that revision's time, when the build recorded them:
//
//	sshblog v1.2.3 (0123456789ab, 2026-01-02T03:04:05Z)
//
// A build from a work tree without a release version (go build, go run)
// says "(devel)" instead of a version; a build that recorded no VCS
// information (go run, -buildvcs=false, a test) has no parenthesis.
func Version() string {
	info, _ := debug.ReadBuildInfo()
	return versionLine(info)
}

// versionLine formats the version line from info, which may be nil.
func versionLine(info *debug.BuildInfo) string {
	version := "(devel)"
	var revision, when string
	var modified bool
	if info != nil {
		if v := info.Main.Version; v != "" {
			version = v
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	var vcs []string
	if revision != "" {
		commit := revision[:min(len(revision), 12)]
		if modified {
			commit += "-dirty"
		}
		vcs = append(vcs, commit)
	}
	if t, err := time.Parse(time.RFC3339, when); err == nil {
		vcs = append(vcs, t.UTC().Format(time.RFC3339))
	}
	if len(vcs) == 0 {
		return "sshblog " + version
	}
	return fmt.Sprintf("sshblog %s (%s)", version, strings.Join(vcs, ", "))
}
