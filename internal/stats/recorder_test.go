package stats_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/stats"
)

var ctx = context.Background()

func TestDayRollOver(t *testing.T) {
	db, _ := openStore(t)
	clk := newClock(time.Date(2026, 12, 3, 23, 59, 0, 0, seoul))
	r := newRecorder(t, db, clk, stats.Options{})
	yesterday, today := stats.DateDay(2026, 12, 3), stats.DateDay(2026, 12, 4)

	reader := stats.Event{Slug: "hello", Source: stats.SSH, Fingerprint: "SHA256:reader"}
	r.Record(reader)
	r.Record(reader)
	salt1, err := r.Salt(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := storedOn(t, db, "hello", yesterday); got != (stats.Totals{}) {
		t.Fatalf("written before a flush or midnight: %+v", got)
	}

	// 15:00:30 UTC is half a minute past midnight in Seoul.
	clk.Set(time.Date(2026, 12, 3, 15, 0, 30, 0, time.UTC))
	r.Record(reader)
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := storedOn(t, db, "hello", yesterday), (stats.Totals{Reads: 2, Uniques: 1}); got != want {
		t.Errorf("yesterday after midnight: %+v, want %+v written", got, want)
	}
	if got := storedOn(t, db, "hello", today); got != (stats.Totals{}) {
		t.Errorf("today written before a flush: %+v", got)
	}
	salt2, err := r.Salt(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if salt1 == salt2 {
		t.Error("the salt did not change at midnight")
	}
	if salt2 == ([32]byte{}) {
		t.Error("the salt is zero")
	}

	flush(t, r)
	if got, want := storedOn(t, db, "hello", today), (stats.Totals{Reads: 1, Uniques: 1}); got != want {
		t.Errorf("today: %+v, want %+v: the reader is new again", got, want)
	}
	if got, want := storedOn(t, db, "hello", yesterday), (stats.Totals{Reads: 2, Uniques: 1}); got != want {
		t.Errorf("yesterday after the flush: %+v, want %+v", got, want)
	}
}

func TestSaltRotation(t *testing.T) {
	db, _ := openStore(t)
	clk := newClock(time.Date(2026, 12, 3, 12, 0, 0, 0, seoul))
	r := newRecorder(t, db, clk, stats.Options{})
	for _, e := range []stats.Event{
		{Slug: "a", Fingerprint: "SHA256:same-reader"},
		{Slug: "a", Source: stats.Web, Addr: addr("198.51.100.7")},
	} {
		h1, ok, err := r.ReaderHash(ctx, e)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		again, _, _ := r.ReaderHash(ctx, e)
		if again != h1 {
			t.Errorf("%+v hashes differently within a day", e)
		}
		clk.Set(clk.Now().Add(24 * time.Hour))
		r.Record(e) // the first read of the day starts it
		h2, _, err := r.ReaderHash(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		if h1 == h2 {
			t.Errorf("%+v hashes the same on two days: it could be followed", e)
		}
	}
	if _, ok, _ := r.ReaderHash(ctx, stats.Event{Slug: "a"}); ok {
		t.Error("a reader with neither key nor address has a hash")
	}
}

func TestNetworkCuts(t *testing.T) {
	cases := []struct {
		name    string
		readers []stats.Event
		uniques int
	}{
		{"same /24", []stats.Event{{Addr: addr("10.1.2.3")}, {Addr: addr("10.1.2.200")}}, 1},
		{"different /24", []stats.Event{{Addr: addr("10.1.2.3")}, {Addr: addr("10.1.3.3")}}, 2},
		{"IPv4-mapped is IPv4", []stats.Event{{Addr: addr("10.1.2.3")}, {Addr: addr("::ffff:10.1.2.9")}}, 1},
		{"same /48", []stats.Event{{Addr: addr("2001:db8:1:aaaa::1")}, {Addr: addr("2001:db8:1:bbbb::2")}}, 1},
		{"different /48", []stats.Event{{Addr: addr("2001:db8:1::1")}, {Addr: addr("2001:db8:2::1")}}, 2},
		{"a zone is ignored", []stats.Event{{Addr: addr("fe80::1%eth0")}, {Addr: addr("fe80::2")}}, 1},
		{"a key is not its network", []stats.Event{{Addr: addr("10.1.2.3")}, {Addr: addr("10.1.2.3"), Fingerprint: "SHA256:k"}}, 2},
		{"one key, two networks", []stats.Event{{Addr: addr("10.1.2.3"), Fingerprint: "SHA256:k"}, {Addr: addr("192.0.2.1"), Fingerprint: "SHA256:k"}}, 1},
		{"two keys, one network", []stats.Event{{Addr: addr("10.1.2.3"), Fingerprint: "SHA256:k"}, {Addr: addr("10.1.2.3"), Fingerprint: "SHA256:l"}}, 2},
		{"nobody is no one", []stats.Event{{}, {}}, 0},
	}
	db, _ := openStore(t)
	clk := newClock(time.Date(2026, 12, 3, 12, 0, 0, 0, seoul))
	r := newRecorder(t, db, clk, stats.Options{})
	for i, c := range cases {
		slug := fmt.Sprintf("post-%d", i)
		for _, e := range c.readers {
			e.Slug = slug
			r.Record(e)
		}
		flush(t, r)
		got, _ := stored(t, db, slug)
		if want := (stats.Totals{Reads: len(c.readers), Uniques: c.uniques}); got != want {
			t.Errorf("%s: %+v, want %+v", c.name, got, want)
		}
	}
}

func TestBotsCountedApart(t *testing.T) {
	db, _ := openStore(t)
	clk := newClock(time.Date(2026, 12, 3, 12, 0, 0, 0, seoul))
	r := newRecorder(t, db, clk, stats.Options{})
	uas := map[string]bool{ // user agent: a bot
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)": true,
		"Mozilla/5.0 (compatible; bingbot/2.0)":                                    true,
		"Mozilla/5.0 (compatible; Baiduspider/2.0)":                                true,
		"curl/8.5.0":                           false,
		"Wget/1.21.4":                          false,
		"Mozilla/5.0 (X11; Linux) Firefox/133": false,
	}
	people := 0
	for ua, bot := range uas {
		if bot != stats.IsBot(ua) {
			t.Errorf("IsBot(%q) = %v", ua, !bot)
		}
		if !bot {
			people++
		}
		r.Record(stats.Event{Slug: "p", Source: stats.Web, UserAgent: ua, Addr: addr("192.0.2.1"), Referer: "https://example.org/"})
	}
	flush(t, r)
	got, refs := stored(t, db, "p")
	if want := (stats.Totals{Reads: people, Uniques: 1, Bots: len(uas) - people}); got != want {
		t.Errorf("%+v, want %+v", got, want)
	}
	if refs["example.org"] != people {
		t.Errorf("referrals %v, want only the %d people's", refs, people)
	}
}

func TestReferrerDomainOnly(t *testing.T) {
	db, path := openStore(t)
	clk := newClock(time.Date(2026, 12, 3, 12, 0, 0, 0, seoul))
	r := newRecorder(t, db, clk, stats.Options{OwnDomains: []string{"Blog.Example."}})
	for _, ref := range []string{
		"https://blog.example/",
		"https://BLOG.example/another-post",
		"https://News.YCombinator.com:443/item?id=4242#top",
		"https://news.ycombinator.com./newest",
		"http://example.org/private/path?token=hunter2",
		"https://192.168.1.5/intranet",
		"https://[2001:db8::7]/",
		"https://reader-192-168-7-42.isp.example/",
		"android-app://com.example/",
		"not a url",
		"",
	} {
		r.Record(stats.Event{Slug: "p", Source: stats.Web, Referer: ref})
	}
	flush(t, r)
	_, refs := stored(t, db, "p")
	want := map[string]int{"ycombinator.com": 2, "example.org": 1, "isp.example": 1}
	if fmt.Sprint(refs) != fmt.Sprint(want) {
		t.Errorf("referrers %v, want %v", refs, want)
	}
	db.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"item?id", "4242", "private/path", "hunter2", "192.168.1.5", "intranet", "com.example", "blog.example", "another-post", "reader-192", "2001:db8", "news.ycombinator"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("the file holds %q", s)
		}
	}
}

func TestFlushIsOneTransaction(t *testing.T) {
	db, _ := openStore(t)
	cs := &countingStore{DB: db}
	clk := newClock(time.Date(2026, 12, 3, 12, 0, 0, 0, seoul))
	r := newRecorder(t, cs, clk, stats.Options{})

	flush(t, r)
	if n := cs.adds.Load(); n != 0 {
		t.Errorf("a flush with nothing pending wrote %d times", n)
	}
	var want stats.Totals
	for round := 1; round <= 2; round++ {
		for i := range 30 {
			e := stats.Event{
				Slug:   fmt.Sprintf("post-%d", i%5),
				Source: stats.Source(i % 3),
				Addr:   netip.AddrFrom4([4]byte{10, byte(round), byte(i), 1}),
			}
			if i%7 == 0 {
				e.UserAgent = "ExampleBot/1.0"
				want.Bots++
			} else {
				want.Reads++
				want.Uniques++
			}
			r.Record(e)
		}
		flush(t, r)
		if n := cs.adds.Load(); n != int64(round) {
			t.Fatalf("after %d flushes, %d writes", round, n)
		}
		got, _ := stored(t, db, "")
		if got != want {
			t.Errorf("after %d flushes: %+v, want %+v", round, got, want)
		}
	}
	if n := cs.counts.Load(); n != 2*15 {
		t.Errorf("%d counts written, want 15 (5 posts, 3 sources) twice", n)
	}
}

func TestRecordNeverBlocks(t *testing.T) {
	db, _ := openStore(t)
	clk := newClock(time.Date(2026, 12, 3, 12, 0, 0, 0, seoul))
	r := newRecorder(t, db, clk, stats.Options{Buffer: 4})
	resume := r.Pause()
	for range 10 {
		r.Record(stats.Event{Slug: "p", Source: stats.SSH})
	}
	resume()
	flush(t, r)
	st, err := r.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Dropped != 6 {
		t.Errorf("dropped %d, want 6", st.Dropped)
	}
	if got, _ := stored(t, db, "p"); got.Reads != 4 {
		t.Errorf("stored %d reads, want the 4 buffered", got.Reads)
	}
}

func TestStatsOff(t *testing.T) {
	db, _ := openStore(t)
	var r *stats.Recorder // stats: off
	r.Record(stats.Event{Slug: "p", Fingerprint: "SHA256:k"})
	if err := r.Flush(ctx); err != nil {
		t.Error(err)
	}
	if err := r.Rename(ctx, "p", "q"); err != nil {
		t.Error(err)
	}
	if _, err := r.Summaries(ctx, nil, 5); !errors.Is(err, stats.ErrOff) {
		t.Errorf("Summaries: %v, want ErrOff", err)
	}
	if _, err := r.Series(ctx, "p", 7); !errors.Is(err, stats.ErrOff) {
		t.Errorf("Series: %v, want ErrOff", err)
	}
	if _, err := r.Status(ctx); !errors.Is(err, stats.ErrOff) {
		t.Errorf("Status: %v, want ErrOff", err)
	}
	if err := r.Close(ctx); err != nil {
		t.Error(err)
	}
	if cs, err := db.StatCounts(ctx, 0, 1<<30, ""); err != nil || len(cs) != 0 {
		t.Errorf("stored %v, %v", cs, err)
	}
}

func TestRetention(t *testing.T) {
	db, _ := openStore(t)
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, seoul)
	clk := newClock(start)
	r := newRecorder(t, db, clk, stats.Options{Days: 3})
	first := stats.DayOf(start, seoul)
	for i := range 5 {
		clk.Set(start.AddDate(0, 0, i))
		r.Record(stats.Event{Slug: "p"})
		if i == 0 {
			r.Record(stats.Event{Slug: "gone"}) // read on the first day only
		}
		flush(t, r)
	}
	cs, err := db.StatCounts(ctx, 0, 1<<30, "")
	if err != nil {
		t.Fatal(err)
	}
	var days []stats.Day
	for _, c := range cs {
		days = append(days, c.Day)
		if c.Slug != "p" {
			t.Errorf("kept a count of %s on %s", c.Slug, c.Day)
		}
	}
	if want := []stats.Day{first + 2, first + 3, first + 4}; fmt.Sprint(days) != fmt.Sprint(want) {
		t.Errorf("kept days %v, want the last 3: %v", days, want)
	}
}

func TestRename(t *testing.T) {
	db, _ := openStore(t)
	clk := newClock(time.Date(2026, 12, 3, 12, 0, 0, 0, seoul))
	r := newRecorder(t, db, clk, stats.Options{})
	a, b := stats.Event{Slug: "old", Fingerprint: "SHA256:a"}, stats.Event{Slug: "old", Fingerprint: "SHA256:b"}
	r.Record(a)
	flush(t, r)
	r.Record(b) // pending at the rename
	r.Record(stats.Event{Slug: "new", Fingerprint: "SHA256:c"})
	if err := r.Rename(ctx, "old", "new"); err != nil {
		t.Fatal(err)
	}
	a.Slug = "new"
	r.Record(a) // already counted today, under the old name
	sums, err := r.Summaries(ctx, []string{"new", "old"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sums[0].All, (stats.Totals{Reads: 4, Uniques: 3}); got != want {
		t.Errorf("new: %+v, want %+v", got, want)
	}
	if got := sums[1].All; got != (stats.Totals{}) {
		t.Errorf("old still has %+v", got)
	}
	if got, _ := stored(t, db, "old"); got != (stats.Totals{}) {
		t.Errorf("old still stored: %+v", got)
	}
}

func TestSummariesAndSeries(t *testing.T) {
	db, _ := openStore(t)
	today := time.Date(2026, 12, 3, 12, 0, 0, 0, seoul)
	clk := newClock(today.AddDate(0, 0, -40)) // the clock moves forward only
	r := newRecorder(t, db, clk, stats.Options{})
	read := func(daysAgo int, slug string, n int, ref string) {
		clk.Set(today.AddDate(0, 0, -daysAgo))
		for i := range n {
			r.Record(stats.Event{Slug: slug, Source: stats.Web, Addr: netip.AddrFrom4([4]byte{10, 0, byte(i), 1}), Referer: ref})
		}
	}
	read(40, "a", 1, "https://old.example/")
	flush(t, r)
	read(10, "a", 2, "https://mid.example/")
	flush(t, r)
	read(3, "a", 3, "https://new.example/x")
	read(3, "b", 1, "")
	flush(t, r)
	read(0, "a", 4, "https://new.example/y") // not written yet
	r.Record(stats.Event{Slug: "a", Source: stats.Feed, UserAgent: "SomeCrawler/1"})

	sums, err := r.Summaries(ctx, []string{"b", "a", "c"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 3 || sums[0].Slug != "b" || sums[1].Slug != "a" || sums[2].Slug != "c" {
		t.Fatalf("summaries not in the order asked: %+v", sums)
	}
	a := sums[1]
	if want := (stats.Totals{Reads: 7, Uniques: 7, Bots: 1}); a.Week != want {
		t.Errorf("a's week %+v, want %+v", a.Week, want)
	}
	if want := (stats.Totals{Reads: 9, Uniques: 9, Bots: 1}); a.Month != want {
		t.Errorf("a's month %+v, want %+v", a.Month, want)
	}
	if want := (stats.Totals{Reads: 10, Uniques: 10, Bots: 1}); a.All != want {
		t.Errorf("a's all %+v, want %+v", a.All, want)
	}
	if want := (stats.Totals{Bots: 1}); a.BySource[stats.Feed] != want {
		t.Errorf("a's feed %+v, want %+v", a.BySource[stats.Feed], want)
	}
	if want := "[{new.example 7} {mid.example 2}]"; fmt.Sprint(a.Referrers) != want {
		t.Errorf("a's referrers %v, want %s", a.Referrers, want)
	}
	if want := (stats.Totals{Reads: 1, Uniques: 1}); sums[0].All != want || sums[0].Week != want {
		t.Errorf("b: %+v", sums[0])
	}
	if sums[2].All != (stats.Totals{}) {
		t.Errorf("c, never read: %+v", sums[2])
	}

	all, err := r.Summaries(ctx, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Slug != "a" || all[1].Slug != "b" || all[0].Referrers == nil || len(all[0].Referrers) != 0 {
		t.Errorf("every post: %+v", all)
	}

	series, err := r.Series(ctx, "a", 14)
	if err != nil {
		t.Fatal(err)
	}
	var reads []int
	for i, p := range series {
		if want := stats.DayOf(today, seoul) - stats.Day(13-i); p.Day != want {
			t.Errorf("point %d is %s, want %s", i, p.Day, want)
		}
		reads = append(reads, p.Reads)
	}
	if want := "[0 0 0 2 0 0 0 0 0 0 3 0 0 4]"; fmt.Sprint(reads) != want {
		t.Errorf("series %v, want %s", reads, want)
	}
	if got := stats.Sparkline(reads, 14); got != "▁▁▁▅▁▁▁▁▁▁▆▁▁█" {
		t.Errorf("sparkline %q", got)
	}
}

// TestNothingIdentifyingStored records reads from known readers over two
// days and looks for them, and for the salts, in the bytes of the file.
func TestNothingIdentifyingStored(t *testing.T) {
	db, path := openStore(t)
	clk := newClock(time.Date(2026, 12, 3, 22, 0, 0, 0, seoul))
	r := stats.New(db, stats.Options{Location: seoul, Now: clk.Now, Interval: time.Hour})
	addrs := []string{"203.0.113.77", "198.51.100.23", "2001:db8:abcd:12::5", "::ffff:192.0.2.44"}
	fps := []string{"SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8", "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"}
	uas := []string{"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "TotallyUniqueReader/7.3 (+https://reader.invalid)", "Googlebot/2.1 (+http://www.google.com/bot.html)"}
	var salts [][32]byte
	for day := range 2 {
		for _, a := range addrs {
			for _, ua := range uas {
				r.Record(stats.Event{Slug: "hello", Source: stats.Web, Addr: addr(a), UserAgent: ua, Referer: "https://friend.example/"})
			}
		}
		for _, fp := range fps {
			r.Record(stats.Event{Slug: "hello", Source: stats.SSH, Fingerprint: fp, Addr: addr(addrs[0])})
		}
		flush(t, r)
		s, err := r.Salt(ctx)
		if err != nil {
			t.Fatal(err)
		}
		salts = append(salts, s)
		if day == 0 {
			clk.Set(clk.Now().Add(3 * time.Hour)) // 01:00 the next day
		}
	}
	if salts[0] == salts[1] {
		t.Fatal("the salt did not change")
	}
	if got, _ := stored(t, db, "hello"); got.Reads == 0 || got.Uniques == 0 || got.Bots == 0 {
		t.Fatalf("nothing was counted: %+v", got)
	}
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	if !bytes.Contains(raw, []byte("friend.example")) {
		t.Fatal("the referrer is not in the file: the scan sees nothing")
	}
	var needles [][]byte
	text := func(ss ...string) {
		for _, s := range ss {
			needles = append(needles, []byte(s), []byte(strings.ToLower(s)))
		}
	}
	text(fps...)
	text(uas...)
	text("Firefox", "TotallyUniqueReader", "Googlebot", "reader.invalid")
	for _, a := range addrs {
		ip := addr(a).Unmap()
		bits := 48
		if ip.Is4() {
			bits = 24
		}
		p := netip.PrefixFrom(ip, bits).Masked()
		text(a, ip.String(), p.String(), p.Addr().String())
		if ip.Is4() {
			b := ip.As4()
			pb := p.Addr().As4()
			text(strings.TrimSuffix(p.Addr().String(), ".0"))
			needles = append(needles, b[:], pb[:])
		}
		b, pb := ip.As16(), p.Addr().As16()
		needles = append(needles, b[:], pb[:])
	}
	for _, s := range salts {
		needles = append(needles, s[:], s[:8], []byte(hex.EncodeToString(s[:])))
	}
	for _, n := range needles {
		if bytes.Contains(raw, n) {
			t.Errorf("the file holds %q", n)
		}
	}
}

func TestCloseWritesWhatIsLeft(t *testing.T) {
	db, _ := openStore(t)
	clk := newClock(time.Date(2026, 12, 3, 12, 0, 0, 0, seoul))
	r := newRecorder(t, db, clk, stats.Options{})
	for range 3 {
		r.Record(stats.Event{Slug: "p", Fingerprint: "SHA256:k"})
	}
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	r.Record(stats.Event{Slug: "p", Fingerprint: "SHA256:k"}) // ignored, never blocks
	if err := r.Flush(ctx); !errors.Is(err, stats.ErrClosed) {
		t.Errorf("Flush after Close: %v, want ErrClosed", err)
	}
	if err := r.Close(ctx); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	if got, want := storedOn(t, db, "p", stats.DayOf(clk.Now(), seoul)), (stats.Totals{Reads: 3, Uniques: 1}); got != want {
		t.Errorf("%+v, want %+v", got, want)
	}
}

// TestConcurrentUse records from many goroutines while others flush and
// report: every read is either stored or counted as dropped.
func TestConcurrentUse(t *testing.T) {
	db, _ := openStore(t)
	clk := newClock(time.Date(2026, 12, 3, 12, 0, 0, 0, seoul))
	r := newRecorder(t, db, clk, stats.Options{Buffer: 64, Interval: time.Millisecond})
	const readers, reads = 8, 500
	var wg sync.WaitGroup
	for g := range readers {
		wg.Go(func() {
			for i := range reads {
				r.Record(stats.Event{Slug: fmt.Sprintf("post-%d", i%4), Source: stats.Source(g % 3), Addr: netip.AddrFrom4([4]byte{10, byte(g), byte(i), 1})})
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if _, err := r.Summaries(ctx, nil, 3); err != nil {
				t.Error(err)
			}
			if err := r.Flush(ctx); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	flush(t, r)
	st, err := r.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := stored(t, db, "")
	if int64(got.Reads)+st.Dropped != readers*reads {
		t.Errorf("%d stored and %d dropped of %d", got.Reads, st.Dropped, readers*reads)
	}
}
