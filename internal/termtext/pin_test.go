package termtext

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
	"github.com/rivo/uniseg"
)

// pinChildEnv, when set, makes TestPinLocale run as the child process the
// parent test starts with a Korean locale; its value says what to check.
const pinChildEnv = "TERMTEXT_TEST_PIN_CHILD"

// TestPinLocale starts the test binary again under a Korean locale, since
// the libraries read the environment once, at start-up, and checks what
// Pin makes of it.
func TestPinLocale(t *testing.T) {
	if mode := os.Getenv(pinChildEnv); mode != "" {
		pinChild(t, mode)
		return
	}
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	korean := []string{"LANG=ko_KR.UTF-8", "LC_ALL=ko_KR.UTF-8", "LC_CTYPE=ko_KR.UTF-8", "RUNEWIDTH_EASTASIAN="}
	tests := []struct {
		name string
		env  []string
	}{
		{"ok", korean},
		{"lut", korean},
		{"eastasian", append(korean, "RUNEWIDTH_EASTASIAN=1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestPinLocale$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), tt.env...)
			cmd.Env = append(cmd.Env, pinChildEnv+"="+tt.name)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "--- PASS: TestPinLocale") {
				t.Fatalf("child did not run the test:\n%s", out)
			}
		})
	}
}

// pinChild is TestPinLocale in the child process.
func pinChild(t *testing.T, mode string) {
	// The locale took effect: go-runewidth starts out wide.
	if w := runewidth.StringWidth("─"); w != 2 {
		t.Fatalf("before Pin, go-runewidth measures ─ as %d columns under %s; the test no longer tests anything", w, os.Getenv("LC_ALL"))
	}
	if mode == "lut" {
		runewidth.CreateLUT() // a table built with the locale's widths
	}
	err := Pin()
	if mode == "eastasian" {
		if err == nil || !strings.Contains(err.Error(), "unset RUNEWIDTH_EASTASIAN") {
			t.Fatalf("Pin with RUNEWIDTH_EASTASIAN=1: err = %v, want advice to unset it", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Pin: %v", err)
	}
	checkPinned(t)
}

// checkPinned fails t unless every engine measures the probes as pinned.
func checkPinned(t *testing.T) {
	t.Helper()
	for _, r := range "─…“①" {
		s := string(r)
		if w := Width(s); w != 1 {
			t.Errorf("Width(%q) = %d, want 1", s, w)
		}
		if w := runewidth.StringWidth(s); w != 1 {
			t.Errorf("runewidth.StringWidth(%q) = %d, want 1", s, w)
		}
		if w := runewidth.NewCondition().RuneWidth(r); w != 1 {
			t.Errorf("runewidth.NewCondition().RuneWidth(%q) = %d, want 1", s, w)
		}
		if w := uniseg.StringWidth(s); w != 1 {
			t.Errorf("uniseg.StringWidth(%q) = %d, want 1", s, w)
		}
	}
	if w := Width("가"); w != 2 {
		t.Errorf("Width(가) = %d, want 2", w)
	}
	if w := runewidth.StringWidth("가"); w != 2 {
		t.Errorf("runewidth.StringWidth(가) = %d, want 2", w)
	}
}

// TestPinResetsCondition checks the condition directly: whatever widened
// go-runewidth's default condition, Pin narrows it again.
func TestPinResetsCondition(t *testing.T) {
	runewidth.DefaultCondition.EastAsianWidth = true
	runewidth.EastAsianWidth = true
	if err := Pin(); err != nil {
		t.Fatalf("Pin: %v", err)
	}
	checkPinned(t)
}
