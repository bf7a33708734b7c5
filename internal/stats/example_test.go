package stats_test

import (
	"context"
	"fmt"
	"log"
	"net/netip"
	"time"

	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/store/boltstore"
)

func ExampleSparkline() {
	fmt.Println(stats.Sparkline([]int{0, 1, 3, 7, 4, 2, 12, 9}, 8))
	// Output: ▁▂▃▅▄▃█▆
}

// A server makes one Recorder beside its store, records each read its front
// ends serve, and closes the Recorder before the store.
func ExampleNew() {
	db, err := boltstore.Open("/var/lib/sshblog/blog.db")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	seoul, _ := time.LoadLocation("Asia/Seoul")
	rec := stats.New(db, stats.Options{Location: seoul, Days: 400, OwnDomains: []string{"blog.example"}})
	defer rec.Close(context.Background())

	// In the SSH front end, when a reader opens a post:
	rec.Record(stats.Event{Slug: "hello", Source: stats.SSH, Fingerprint: "SHA256:...", Addr: netip.MustParseAddr("192.0.2.1")})

	// In the "stats" command:
	sums, err := rec.Summaries(context.Background(), []string{"hello"}, 5)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range sums {
		fmt.Printf("%s: %d reads by %d readers this week\n", s.Slug, s.Week.Reads, s.Week.Uniques)
	}
}
