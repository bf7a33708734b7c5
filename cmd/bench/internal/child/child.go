// Package child runs a part of the bench in a process of its own: the
// bench starts its own executable again with an environment variable set,
// hands it a job as JSON on stdin and reads its outcome as JSON on stdout.
// The memory and CPU the bench then measures are its servers' alone: in
// one process, a client's packets (every one a fresh copy in
// x/crypto/ssh) would count as the server's.
package child

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/sshblog/sshblog/cmd/bench/internal/clients"
)

// maxJobBytes bounds what a child reads of its job.
const maxJobBytes = 1 << 20

// Run runs job in a child: the bench's executable with env set to 1 in
// its environment. It decodes what the child writes into outcome. what
// names the child in errors.
func Run(ctx context.Context, env, what string, job, outcome any) error {
	b, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("encoding the %s's job: %w", what, err)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the bench's executable: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), env+"=1")
	cmd.Stdin = bytes.NewReader(b)
	var out, errOut clients.LimitedBuffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("running the %s: %w: %s", what, err, strings.TrimSpace(errOut.String()))
	}
	if err := json.Unmarshal([]byte(out.String()), outcome); err != nil {
		return fmt.Errorf("reading the %s's outcome: %w", what, err)
	}
	return nil
}

// Serve is the child's side: it reads a job from in, has do make it, and
// writes the outcome to out.
func Serve[J, O any](in io.Reader, out io.Writer, do func(J) (O, error)) error {
	b, err := io.ReadAll(io.LimitReader(in, maxJobBytes))
	if err != nil {
		return fmt.Errorf("reading the job: %w", err)
	}
	var j J
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("reading the job: %w", err)
	}
	o, err := do(j)
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(o)
}
