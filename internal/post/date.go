package post

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// dateLayouts are the forms of a date without a zone that ParseDate knows,
// tried in order. Single-digit months and days are accepted too.
var dateLayouts = [...]string{
	"2006-1-2",
	"2006-1-2 15:04",
	"2006-1-2 15:04:05", // fractional seconds are accepted after seconds
	"2006-1-2T15:04",
	"2006-1-2T15:04:05",
	"Jan 2, 2006",
	"January 2, 2006",
	"Jan 2 2006", // Astro's blog template: pubDate: 'Jul 08 2022'
	"January 2 2006",
	"2 Jan 2006", // RFC 1123 and RFC 5322, with or without the weekday
	"2 Jan 2006 15:04",
	"2 Jan 2006 15:04:05",
	"Mon, 2 Jan 2006",
	"Mon, 2 Jan 2006 15:04",
	"Mon, 2 Jan 2006 15:04:05",
}

// ParseDate parses a publication date written the ways blogs write them:
//
//   - RFC 3339: 2006-01-02T15:04:05Z07:00, fractional seconds allowed;
//   - 2006-01-02, 2006-01-02 15:04, 2006-01-02 15:04:05, 2006-01-02T15:04 or
//     2006-01-02T15:04:05;
//   - Jan 2, 2006 or January 2, 2006, with or without the comma (Astro's
//     template writes Jul 08 2022);
//   - RFC 1123 and RFC 5322: Mon, 02 Jan 2006 15:04:05 MST, the weekday and
//     the seconds optional.
//
// Any of them but RFC 3339 may end with a zone, after a space or, for a
// numeric offset or Z, straight after the time: Z, -0700, -07:00, -07, an
// abbreviation (UTC, GMT, KST, PST, CET, ...) or an IANA name such as
// Asia/Seoul, looked up with time.LoadLocation. An abbreviation that loc uses
// at that date has loc's meaning; otherwise its common meaning, the RFC 822
// one for the US zones (CST is US Central). Abbreviations with no one
// meaning, such as IST and BST, are errors: write an offset. A date without a
// zone is in loc; nil means time.Local.
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.Local
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty date")
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	wall, zone := splitZone(s)
	for _, layout := range dateLayouts {
		t, err := time.Parse(layout, wall)
		if err != nil {
			continue
		}
		z, err := zoneAt(zone, t, loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("date %s: %w", quote(s), err)
		}
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), z), nil
	}
	return time.Time{}, fmt.Errorf("%s is not a date: write it like 2006-01-02, 2006-01-02 15:04 or 2006-01-02T15:04:05+09:00", quote(s))
}

// splitZone splits s into a wall-clock date and the zone written after it,
// if any: after the last space, or a Z or numeric offset right after a time.
func splitZone(s string) (wall, zone string) {
	if i := strings.LastIndexByte(s, ' '); i >= 0 && isZone(s[i+1:]) {
		return strings.TrimSpace(s[:i]), s[i+1:]
	}
	// "15:04Z", "15:04:05-0700" and the like: a zone glued to a time.
	if c := s[len(s)-1]; (c == 'Z' || c == 'z') && len(s) > 1 && isDigit(s[len(s)-2]) {
		return s[:len(s)-1], "Z"
	}
	for _, n := range [...]int{len("+07:00"), len("+0700"), len("+07")} {
		if len(s) <= n {
			continue
		}
		wall, zone := s[:len(s)-n], s[len(s)-n:]
		if isOffset(zone) && isDigit(wall[len(wall)-1]) && strings.Contains(wall, ":") {
			return wall, zone
		}
	}
	return s, ""
}

// isZone reports whether s looks like a zone rather than part of a date: an
// offset, or a name starting with a letter.
func isZone(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '+' || s[0] == '-' {
		return isOffset(s)
	}
	if !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && !isDigit(c) && !strings.ContainsRune("/_-+", rune(c)) {
			return false
		}
	}
	return true
}

// isOffset reports whether s is a numeric zone offset: +07, +0700 or +07:00,
// with + or -.
func isOffset(s string) bool {
	switch len(s) {
	case len("+07"):
	case len("+0700"):
		if !isDigit(s[3]) || !isDigit(s[4]) {
			return false
		}
	case len("+07:00"):
		if s[3] != ':' || !isDigit(s[4]) || !isDigit(s[5]) {
			return false
		}
	default:
		return false
	}
	return (s[0] == '+' || s[0] == '-') && isDigit(s[1]) && isDigit(s[2])
}

// zoneAt returns the location a zone names for the wall-clock time t. An
// empty zone is loc.
func zoneAt(zone string, t time.Time, loc *time.Location) (*time.Location, error) {
	switch {
	case zone == "":
		return loc, nil
	case zone[0] == '+' || zone[0] == '-':
		h := int(zone[1]-'0')*10 + int(zone[2]-'0')
		m := 0
		if len(zone) > 3 {
			m = int(zone[len(zone)-2]-'0')*10 + int(zone[len(zone)-1]-'0')
		}
		if h > 23 || m > 59 {
			return nil, fmt.Errorf("zone offset %s is out of range", zone)
		}
		off := h*3600 + m*60
		switch {
		case off == 0:
			return time.UTC, nil
		case zone[0] == '-':
			off = -off
		}
		return time.FixedZone("", off), nil
	case strings.Contains(zone, "/"):
		// An IANA name. LoadLocation refuses names that climb out of the
		// zone database.
		z, err := time.LoadLocation(zone)
		if err != nil {
			return nil, fmt.Errorf("unknown time zone %s", quote(zone))
		}
		return z, nil
	}
	abbr := strings.ToUpper(zone)
	if name, _ := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc).Zone(); name == abbr {
		return loc, nil
	}
	if off, ok := zoneOffset(abbr); ok {
		if off == 0 {
			return time.UTC, nil
		}
		return time.FixedZone(abbr, off), nil
	}
	return nil, fmt.Errorf("unknown time zone %s: write it as an offset such as +09:00 or a name such as Asia/Seoul", quote(zone))
}

// zoneOffset returns the offset east of UTC, in seconds, of a common zone
// abbreviation, in its usual English meaning (the RFC 822 one for the US
// zones). Ambiguous abbreviations such as IST and BST are not known.
func zoneOffset(abbr string) (int, bool) {
	const h = 3600
	switch abbr {
	case "Z", "UT", "UTC", "GMT", "WET":
		return 0, true
	case "WEST", "CET", "MET":
		return 1 * h, true
	case "CEST", "MEST", "EET", "SAST":
		return 2 * h, true
	case "EEST", "MSK":
		return 3 * h, true
	case "PKT":
		return 5 * h, true
	case "ICT", "WIB":
		return 7 * h, true
	case "HKT", "SGT", "AWST", "PHT", "WITA":
		return 8 * h, true
	case "KST", "JST", "WIT":
		return 9 * h, true
	case "ACST":
		return 9*h + h/2, true
	case "AEST", "CHST":
		return 10 * h, true
	case "ACDT":
		return 10*h + h/2, true
	case "AEDT":
		return 11 * h, true
	case "NZST":
		return 12 * h, true
	case "NZDT":
		return 13 * h, true
	case "NST":
		return -3*h - h/2, true
	case "NDT":
		return -2*h - h/2, true
	case "ADT":
		return -3 * h, true
	case "AST", "EDT":
		return -4 * h, true
	case "EST", "CDT":
		return -5 * h, true
	case "CST", "MDT":
		return -6 * h, true
	case "MST", "PDT":
		return -7 * h, true
	case "PST", "AKDT":
		return -8 * h, true
	case "AKST", "HDT":
		return -9 * h, true
	case "HST":
		return -10 * h, true
	}
	return 0, false
}

// quote quotes s for a one-line message, cut to a readable length.
func quote(s string) string {
	const limit = 64 // runes
	n := 0
	for i := range s {
		if n == limit {
			return fmt.Sprintf("%q…", s[:i])
		}
		n++
	}
	return fmt.Sprintf("%q", s)
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
