package measure

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/cmd/bench/internal/clients"
	"github.com/sshblog/sshblog/cmd/bench/internal/tally"
)

// PublishResult is a run of `publish` commands by several authors at once.
type PublishResult struct {
	Authors int
	Acked   int // publishes the server confirmed
	Failed  tally.Failures
	Wall    time.Duration
	Latency tally.Distribution
}

// PerSecond is the rate of acknowledged publishes.
func (r PublishResult) PerSecond() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.Acked) / r.Wall.Seconds()
}

// runPublishes has authors clients, each on its own connection, publish
// total small posts between them, each by a `publish SLUG` command with
// the post on stdin, one after another. The phase must end within limit.
func runPublishes(ctx context.Context, addr string, cfg *ssh.ClientConfig, authors, total int, limit time.Duration) PublishResult {
	r := PublishResult{Authors: authors}
	deadline := time.Now().Add(limit)
	start := time.Now()
	all, failed := clients.Workers(ctx, "publish", authors, func(ctx context.Context, a int, keep func(time.Duration), fail func(error)) {
		client, _, _, err := clients.Dial(ctx, addr, cfg, deadline)
		if err != nil {
			fail(err)
			return
		}
		defer client.Close()
		for i := a; i < total && ctx.Err() == nil; i += authors {
			t0 := time.Now()
			if _, err := clients.Publish(client, fmt.Sprintf("pub-%d-%d", a, i), smallPost(a, i), 0); err != nil {
				fail(err)
				continue
			}
			keep(time.Since(t0))
		}
	})
	r.Wall, r.Failed = time.Since(start), failed
	r.Acked = len(all)
	r.Latency = tally.NewDistribution(all)
	return r
}

// smallPost is the markdown of author's n-th post of the publish run.
func smallPost(author, n int) []byte {
	return fmt.Appendf(nil, "---\ntitle: '벤치마크 글 %d: bench post %d by author %d'\ntags: [bench]\n---\n\n짧은 글입니다. A short post, number %d.\n", n, n, author, n)
}
