package stats_test

import (
	"math"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/sshblog/sshblog/internal/stats"
)

func TestDayOf(t *testing.T) {
	cases := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 12, 3, 14, 59, 59, 0, time.UTC), "2026-12-03"}, // 23:59:59 in Seoul
		{time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC), "2026-12-04"},   // midnight in Seoul
		{time.Date(2028, 2, 28, 15, 0, 0, 0, time.UTC), "2028-02-29"},
		{time.Date(1969, 12, 31, 14, 0, 0, 0, time.UTC), "1969-12-31"},
		{time.Date(1969, 12, 31, 15, 0, 0, 0, time.UTC), "1970-01-01"},
	}
	for _, c := range cases {
		d := stats.DayOf(c.t, seoul)
		if d.String() != c.want {
			t.Errorf("DayOf(%v) = %s, want %s", c.t, d, c.want)
		}
		y, m, dd := d.Date()
		if stats.DateDay(y, m, dd) != d {
			t.Errorf("%s does not round-trip through Date", d)
		}
		if s := d.Start(seoul); stats.DayOf(s, seoul) != d || stats.DayOf(s.Add(-time.Nanosecond), seoul) != d-1 {
			t.Errorf("%s starts at %v", d, s)
		}
	}
	if d := stats.DateDay(2026, 12, 31); (d + 1).String() != "2027-01-01" {
		t.Errorf("the day after %s is %s", d, d+1)
	}
}

func TestIsBot(t *testing.T) {
	for ua, want := range map[string]bool{
		"Mozilla/5.0 (compatible; Googlebot/2.1)":                true,
		"Mozilla/5.0 (compatible; YandexBot/3.0)":                true,
		"Mozilla/5.0 (compatible; Yahoo! Slurp)":                 true,
		"ia_archiver (+http://www.alexa.com/site/help; crawler)": true,
		"Baiduspider": true,
		"BOT":         true,
		"curl/8.5.0":  false,
		"Wget/1.21":   false,
		"Mozilla/5.0 (Macintosh) Safari/605.1.15":                         false,
		"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 5 subscribers)": false,
		"":   false,
		"bo": false,
	} {
		if got := stats.IsBot(ua); got != want {
			t.Errorf("IsBot(%q) = %v, want %v", ua, got, want)
		}
	}
}

func TestRefererDomain(t *testing.T) {
	for ref, want := range map[string]string{
		"https://News.YCombinator.com/item?id=1":     "ycombinator.com",
		"https://reader-192-168-7-42.isp.example/":   "isp.example",
		"https://a.b.reader-7.example.co.uk/x":       "example.co.uk",
		"https://example.co.uk/":                     "example.co.uk",
		"https://co.uk/":                             "",
		"https://localhost:8080/":                    "",
		"https://user.github.io/post":                "user.github.io",
		"http://example.org:8080/a/b?c=d#e":          "example.org",
		"https://example.org./":                      "example.org",
		"https://user:pass@example.org/":             "example.org",
		"https://한국.kr/글":                            "한국.kr",
		"https://xn--3e0b707e.kr/":                   "xn--3e0b707e.kr",
		"https://%ED%95%9C%EA%B5%AD.kr/":             "한국.kr",
		"https://192.0.2.1/":                         "",
		"https://[2001:db8::1]:443/":                 "",
		"https://[::ffff:192.0.2.1]/":                "",
		"ftp://example.org/":                         "",
		"/relative/path":                             "",
		"https:///nohost":                            "",
		"https://exa mple.org/":                      "",
		"https://ex%00ample.org/":                    "",
		"https://" + string(make([]byte, 300)) + "/": "",
		"": "",
	} {
		if got := stats.RefererDomain(ref); got != want {
			t.Errorf("RefererDomain(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestSparkline(t *testing.T) {
	cases := []struct {
		values []int
		width  int
		want   string
	}{
		{[]int{0, 1, 2, 3, 4, 5, 6, 7}, 8, "▁▂▃▄▅▆▇█"},
		{[]int{0, 0, 0}, 10, "▁▁▁"},
		{[]int{-5, 0, 5}, 3, "▁▁█"},
		{[]int{1, 1000}, 2, "▂█"},                     // a small count still shows
		{[]int{5}, 10, "█"},                           // fewer values than columns: not stretched
		{[]int{1, 1, 1, 1, 0, 0, 0, 0}, 2, "█▁"},      // summed into columns
		{[]int{1, 2, 3, 4, 5, 6, 7, 8, 9}, 4, "▂▃▄█"}, // 3, 7, 11, 24
		{[]int{math.MaxInt, 1, math.MaxInt}, 3, "█▂█"},
		{nil, 5, ""},
		{[]int{1, 2}, 0, ""},
		{[]int{1, 2}, -1, ""},
	}
	for _, c := range cases {
		got := stats.Sparkline(c.values, c.width)
		if got != c.want {
			t.Errorf("Sparkline(%v, %d) = %q, want %q", c.values, c.width, got, c.want)
		}
		if w := ansi.StringWidth(got); c.width > 0 && w > c.width {
			t.Errorf("Sparkline(%v, %d) is %d columns wide", c.values, c.width, w)
		}
	}
}

func TestTopReferrers(t *testing.T) {
	refs := map[string]int{"b.example": 3, "a.example": 3, "c.example": 9, stats.Other: 50, "d.example": 1}
	got := stats.TopReferrers(refs, 3)
	want := []stats.Referrer{{"c.example", 9}, {"a.example", 3}, {"b.example", 3}}
	if len(got) != len(want) {
		t.Fatalf("%v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%v, want %v", got, want)
		}
	}

	var c stats.Count
	for i := range stats.MaxReferrers + 10 {
		c.Add(stats.Count{Reads: 1, Referrers: map[string]int{string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".example": i + 1}})
	}
	if len(c.Referrers) != stats.MaxReferrers+1 {
		t.Errorf("%d referrers kept, want %d and Other", len(c.Referrers), stats.MaxReferrers)
	}
	sum := 0
	for _, n := range c.Referrers {
		sum += n
	}
	if n := stats.MaxReferrers + 10; sum != n*(n+1)/2 || c.Reads != n {
		t.Errorf("reads %d, referred %d: folding lost some", c.Reads, sum)
	}
	if c.Referrers[stats.Other] != 1+2+3+4+5+6+7+8+9+10 {
		t.Errorf("Other has %d, want the 10 fewest", c.Referrers[stats.Other])
	}
}
