package report

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/sshblog/sshblog/cmd/bench/internal/tally"
)

// The search targets (issue 14, as BenchmarkBuild and BenchmarkSearch in
// internal/search judge them).
const (
	searchBuildTarget   = 2 * time.Second
	searchP99Target     = 10 * time.Millisecond
	searchReindexTarget = 5 * time.Millisecond
)

// printSearch writes the search phase's table.
func (r *Run) printSearch(out io.Writer) {
	s := r.Search
	fmt.Fprintf(out, "\nsearch: %d posts (%d generated, Korean and English), through the blog's service, one query at a time\n", s.Posts, r.SearchPosts)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "measure\tfigure\ttarget\tmet\n")
	fmt.Fprintf(w, "index built as a server starts (read, parse, index every post)\t%v, heap +%s\t< %v\t%s\n",
		s.Build.Round(time.Millisecond), mib(s.BuildHeap), searchBuildTarget, yes(s.Build < searchBuildTarget))
	fmt.Fprintf(w, "  the index alone, posts already parsed\t%v, heap +%s (its estimate %s; %d terms, %d postings)\t\t\n",
		s.IndexOnly.Round(time.Millisecond), mib(s.IndexHeap), mib(int64(s.IndexStats.Bytes)), s.IndexStats.Terms, s.IndexStats.Postings)
	fmt.Fprintf(w, "query p50 / p99 / max (%d queries)\t%s\t p99 < %v\t%s\n", len(s.All), tally.Spread(s.All), searchP99Target, yes(s.All.Quantile(0.99) < searchP99Target && s.Failed.N == 0))
	fmt.Fprintf(w, "  process CPU per query (mean); other processes meanwhile\t%s; %.0f%% of the machine\t\t\n", tally.Ms(s.QueryCPU/time.Duration(max(len(s.All), 1))), 100*s.Others)
	for _, k := range s.Queries {
		wrong := ""
		if k.Wrong > 0 {
			wrong = fmt.Sprintf(", %d unexpected", k.Wrong)
		}
		fmt.Fprintf(w, "  %s (%q...; %.1f hits each%s)\t%s\t\t\n", k.Kind.Name, k.Kind.Queries[0], float64(k.Hits)/float64(max(len(k.Latency), 1)), wrong, tally.Spread(k.Latency))
	}
	fmt.Fprintf(w, "one post indexed again after a publish, p50 / max (%d)\t%s / %s\t< %v\t%s\n",
		len(s.Reindex), tally.Ms(s.Reindex.Quantile(0.5)), tally.Ms(s.Reindex.Quantile(1)), searchReindexTarget, yes(s.Reindex.Quantile(0.5) < searchReindexTarget))
	fmt.Fprintf(w, "  the first search after a publish, p50 / max\t%s / %s\t\t\n", tally.Ms(s.FirstAfter.Quantile(0.5)), tally.Ms(s.FirstAfter.Quantile(1)))
	fmt.Fprintf(w, "  the index's sync with nothing changed (before every search), p50 / max\t%s / %s\t\t\n", tally.Ms(s.Sync.Quantile(0.5)), tally.Ms(s.Sync.Quantile(1)))
	w.Flush()
	if s.Failed.N > 0 {
		fmt.Fprintf(out, "search: %d failed; the first: %v\n", s.Failed.N, s.Failed.First)
	}
}
