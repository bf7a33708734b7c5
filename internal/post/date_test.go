package post

import (
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	kst := time.FixedZone("KST", 9*3600)
	at := func(y int, mo time.Month, d, h, mi, s int, loc *time.Location) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, loc)
	}
	east := func(h, m int) *time.Location { return time.FixedZone("", h*3600+m*60) }
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		// RFC 3339.
		{"2024-04-14T10:20:30Z", kst, at(2024, 4, 14, 10, 20, 30, time.UTC)},
		{"2024-04-14T10:20:30+09:00", time.UTC, at(2024, 4, 14, 10, 20, 30, kst)},
		{"2024-04-14T10:20:30.5-07:00", time.UTC, time.Date(2024, 4, 14, 10, 20, 30, 5e8, east(-7, 0))},
		// Dates and times without a zone are in loc.
		{"2024-04-14", kst, at(2024, 4, 14, 0, 0, 0, kst)},
		{"Jul 08 2022", kst, at(2022, 7, 8, 0, 0, 0, kst)},
		{"July 8 2022", kst, at(2022, 7, 8, 0, 0, 0, kst)},
		{" 2024-04-14\t", kst, at(2024, 4, 14, 0, 0, 0, kst)},
		{"2024-4-4", kst, at(2024, 4, 4, 0, 0, 0, kst)},
		{"2024-04-14 10:20", kst, at(2024, 4, 14, 10, 20, 0, kst)},
		{"2024-04-14 10:20:30", kst, at(2024, 4, 14, 10, 20, 30, kst)},
		{"2024-04-14 10:20:30.25", kst, time.Date(2024, 4, 14, 10, 20, 30, 25e7, kst)},
		{"2024-04-14T10:20", kst, at(2024, 4, 14, 10, 20, 0, kst)},
		{"2024-04-14T10:20:30.125", kst, time.Date(2024, 4, 14, 10, 20, 30, 125e6, kst)},
		{"2024-04-14 10:20:30.5 +0900", time.UTC, time.Date(2024, 4, 14, 10, 20, 30, 5e8, kst)},
		{"2024-04-14 10:20 -00:00", kst, at(2024, 4, 14, 10, 20, 0, time.UTC)},
		{"2024-04-14T10:20:30", kst, at(2024, 4, 14, 10, 20, 30, kst)},
		{"2024-04-14", nil, at(2024, 4, 14, 0, 0, 0, time.Local)},
		// A zone after a space or glued to the time.
		{"2024-04-14 10:20 -0700", kst, at(2024, 4, 14, 10, 20, 0, east(-7, 0))},
		{"2024-04-14 10:20:30 +09:00", time.UTC, at(2024, 4, 14, 10, 20, 30, kst)},
		{"2024-04-14 10:20:30 +0530", time.UTC, at(2024, 4, 14, 10, 20, 30, east(5, 30))},
		{"2024-04-14 10:20:30+0530", time.UTC, at(2024, 4, 14, 10, 20, 30, east(5, 30))},
		{"2024-04-14T10:20+09:00", time.UTC, at(2024, 4, 14, 10, 20, 0, kst)},
		{"2024-04-14T10:20-07", time.UTC, at(2024, 4, 14, 10, 20, 0, east(-7, 0))},
		{"2024-04-14T10:20Z", kst, at(2024, 4, 14, 10, 20, 0, time.UTC)},
		{"2024-04-14 10:20:30 Z", kst, at(2024, 4, 14, 10, 20, 30, time.UTC)},
		{"2024-04-14 10:20 UTC", kst, at(2024, 4, 14, 10, 20, 0, time.UTC)},
		{"2024-04-14 10:20 KST", time.UTC, at(2024, 4, 14, 10, 20, 0, kst)},
		{"2024-04-14 10:20 kst", time.UTC, at(2024, 4, 14, 10, 20, 0, kst)},
		{"2024-04-14 KST", time.UTC, at(2024, 4, 14, 0, 0, 0, kst)},
		{"2024-04-14 10:20 PST", time.UTC, at(2024, 4, 14, 10, 20, 0, east(-8, 0))},
		{"2024-01-14 10:20 CET", time.UTC, at(2024, 1, 14, 10, 20, 0, east(1, 0))},
		// RFC 1123 and RFC 5322.
		{"Sun, 14 Apr 2024 10:20:30 GMT", kst, at(2024, 4, 14, 10, 20, 30, time.UTC)},
		{"Sun, 14 Apr 2024 10:20:30 +0900", time.UTC, at(2024, 4, 14, 10, 20, 30, kst)},
		{"14 Apr 2024 10:20 -0700", time.UTC, at(2024, 4, 14, 10, 20, 0, east(-7, 0))},
		{"Sun, 4 Apr 2024 10:20:30", kst, at(2024, 4, 4, 10, 20, 30, kst)},
		// Words.
		{"Apr 14, 2024", kst, at(2024, 4, 14, 0, 0, 0, kst)},
		{"April 14, 2024", kst, at(2024, 4, 14, 0, 0, 0, kst)},
		{"april 4, 2024", kst, at(2024, 4, 4, 0, 0, 0, kst)},
		{"April 14, 2024 UTC", kst, at(2024, 4, 14, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in, tt.loc)
		if err != nil {
			t.Errorf("ParseDate(%q): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q) = %v, want %v", tt.in, got, tt.want)
		}
		_, gotOff := got.Zone()
		_, wantOff := tt.want.Zone()
		if gotOff != wantOff {
			t.Errorf("ParseDate(%q) is at offset %d, want %d", tt.in, gotOff, wantOff)
		}
	}
}

// TestParseDateAbbreviationOfLocation checks that an abbreviation loc uses is
// read in loc, summer time included.
func TestParseDateAbbreviationOfLocation(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no zone database: %v", err)
	}
	for in, wantOff := range map[string]int{
		"2024-07-01 12:00 EDT": -4 * 3600,
		"2024-01-01 12:00 EST": -5 * 3600,
		"2024-07-01 12:00 EST": -5 * 3600, // not loc's at that date: the table's
	} {
		got, err := ParseDate(in, ny)
		if err != nil {
			t.Errorf("ParseDate(%q): %v", in, err)
			continue
		}
		if _, off := got.Zone(); off != wantOff {
			t.Errorf("ParseDate(%q) = %v, want offset %d", in, got, wantOff)
		}
	}
}

func TestParseDateIANA(t *testing.T) {
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Skipf("no zone database: %v", err)
	}
	for _, in := range []string{"2024-04-14 10:20 Asia/Seoul", "2024-04-14T10:20:00 Asia/Seoul"} {
		got, err := ParseDate(in, time.UTC)
		if want := time.Date(2024, 4, 14, 10, 20, 0, 0, seoul); err != nil || !got.Equal(want) || got.Location().String() != "Asia/Seoul" {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestParseDateErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "empty date",
		"   ":                           "empty date",
		"yesterday":                     `"yesterday" is not a date: write it like 2006-01-02, 2006-01-02 15:04 or 2006-01-02T15:04:05+09:00`,
		"2024-13-01":                    `"2024-13-01" is not a date`,
		"2024-02-30":                    `"2024-02-30" is not a date`,
		"2024-04-14 25:00":              `"2024-04-14 25:00" is not a date`,
		"24-04-14":                      `"24-04-14" is not a date`,
		"2024":                          `"2024" is not a date`,
		"2024-04-14 10:20 XYZ":          `date "2024-04-14 10:20 XYZ": unknown time zone "XYZ": write it as an offset such as +09:00 or a name such as Asia/Seoul`,
		"2024-04-14 10:20 IST":          `date "2024-04-14 10:20 IST": unknown time zone "IST"`,
		"2024-04-14 10:20 +2500":        `date "2024-04-14 10:20 +2500": zone offset +2500 is out of range`,
		"2024-04-14 10:20 +09:60":       `date "2024-04-14 10:20 +09:60": zone offset +09:60 is out of range`,
		"2024-04-14 10:20 Mars/Olympus": `date "2024-04-14 10:20 Mars/Olympus": unknown time zone "Mars/Olympus"`,
		"2024-04-14 10:20 ../etc/x":     `"2024-04-14 10:20 ../etc/x" is not a date`,
		"2024-04-14\n10:20":             `"2024-04-14\n10:20" is not a date`,
		strings.Repeat("9", 100):        `"` + strings.Repeat("9", 64) + `"… is not a date`,
	} {
		_, err := ParseDate(in, time.UTC)
		if err == nil {
			t.Errorf("ParseDate(%q) succeeded", in)
			continue
		}
		if !strings.HasPrefix(err.Error(), want) {
			t.Errorf("ParseDate(%q) = %q, want it to start %q", in, err, want)
		}
		checkOneLine(t, err)
	}
}

// checkOneLine fails t if err's message is not one line of printable text.
func checkOneLine(t *testing.T, err error) {
	t.Helper()
	for _, r := range err.Error() {
		if r == '\n' || r == '\r' || r == '\t' || isControl(r) {
			t.Errorf("error %q is not one line of plain text: %U", err, r)
			return
		}
	}
}
