package soak

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/cmd/bench/internal/clients"
	"github.com/sshblog/sshblog/cmd/bench/internal/wait"
)

// author is author number id (0-based): it publishes soak-(id+1) again and
// again until soakCtx is done, on one connection (a new one after an
// error); then it calls stopped, waits for release and hangs up.
func (s *run) author(ctx, soakCtx context.Context, id int, st *authorStats, stopped func(), release <-chan struct{}) {
	a := s.b.Authors[id%len(s.b.Authors)]
	st.name, st.slug = a.Name, fmt.Sprintf("soak-%d", id+1)
	cfg := clients.Config(a.Name, a.Signer, s.b.HostKey)
	var client *ssh.Client
	defer func() {
		stopped()
		if client != nil {
			s.awaitRelease(release)
			client.Close()
		}
	}()
	nonce := rand.New(rand.NewPCG(uint64(id), uint64(time.Now().UnixNano())))
	for seq := 1; seq <= maxPublishes && soakCtx.Err() == nil; seq++ {
		if s.gate.wait(soakCtx) != nil {
			return
		}
		if client == nil {
			c, _, _, err := clients.Dial(ctx, s.b.Addr, cfg, s.hardStop)
			if err != nil {
				s.errs.add("publish", err)
				if wait.Sleep(soakCtx, time.Second) != nil {
					return
				}
				continue
			}
			client = c
		}
		content := authorPost(id+1, seq, nonce.Uint64(), s.b.BodyMarker)
		start := time.Now()
		rev, err := clients.Publish(client, st.slug, content, s.c.Timeout)
		if err != nil {
			s.errs.add("publish", err)
			client.Close()
			client = nil
			continue
		}
		st.latency = append(st.latency, time.Since(start))
		st.acks = append(st.acks, ack{slug: st.slug, author: a.Name, rev: rev, sum: sha256.Sum256(content), size: len(content)})
		s.acked.Add(1)
		if s.c.PublishPause > 0 && wait.Sleep(soakCtx, s.c.PublishPause) != nil {
			return
		}
	}
}

// authorPost is the markdown of an author's seq-th revision: a few lines of
// Korean, made unique by nonce, whose body starts with body (the word the
// readers wait for when they open a post).
func authorPost(author, seq int, nonce uint64, body string) []byte {
	return fmt.Appendf(nil, "---\ntitle: '소크 시험 %d번 작가의 글'\ndescription: 'soak test, author %d'\ntags: [soak, 시험]\n---\n\n"+
		"%s %d번 작가가 쓴 %d번째 판입니다. 서버는 쉬지 않고 글을 받고, 독자 오백 명이 읽는다. (%016x)\n\n"+
		"- 첫째: 글은 잃어버리지 않는다\n- 둘째: 메모리는 늘지 않는다\n", author, author, body, author, seq, nonce)
}
