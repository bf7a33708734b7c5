package config

import (
	"fmt"
	"runtime/debug"
)

// Version returns the line sshblog --version prints, "sshblog VERSION (COMMIT)",
// read from the binary's build information: the main module's version and
// the VCS revision it was built from, marked -dirty if the work tree had
// changes. Either is "dev" when the build does not record it, as in go run
// or a test.
func Version() string {
	info, _ := debug.ReadBuildInfo()
	return versionLine(info)
}

// versionLine formats the version line from info, which may be nil.
func versionLine(info *debug.BuildInfo) string {
	version, commit := "dev", "dev"
	if info != nil {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			version = v
		}
		var revision string
		var modified bool
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if revision != "" {
			commit = revision[:min(len(revision), 12)]
			if modified {
				commit += "-dirty"
			}
		}
	}
	return fmt.Sprintf("sshblog %s (%s)", version, commit)
}
