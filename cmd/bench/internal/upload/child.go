package upload

// The upload's client works in a process of its own: the bench starts
// its own executable again with ClientEnv set, hands it the job on stdin
// and reads the outcome on stdout. The RSS the run measures is then the
// server's alone: in this process the client's packets, every one a fresh
// copy in x/crypto/ssh, would count as the server's memory.

import (
	"context"
	"crypto/ed25519"
	"encoding/pem"
	"fmt"
	"io"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/cmd/bench/internal/child"
	"github.com/sshblog/sshblog/cmd/bench/internal/clients"
)

// ClientEnv, set in the environment, makes the bench the upload's
// client: it reads a job on stdin, runs it and writes the outcome on
// stdout (see RunClient).
const ClientEnv = "SSHBLOG_BENCH_UPLOAD_CLIENT"

// job is what the upload's client is asked to do.
type job struct {
	Addr     string    // the blog's address
	Key      []byte    // the author's private key, OpenSSH PEM
	HostKey  []byte    // the blog's host key, authorized_keys format
	Size     int64     // bytes to send to `publish big`
	Deadline time.Time // the connection's deadline
}

// outcome is what the upload's client saw.
type outcome struct {
	Sent   int64  // bytes the client got to send
	Answer string // the server's output
	Code   int    // the command's exit status; -1 if none
	Err    string // why the upload could not be made, if it could not
}

// newJob is the job of sending size bytes to `publish big` at addr
// as the author whose key is key.
func newJob(addr string, key ed25519.PrivateKey, hostKey ssh.PublicKey, size int64, deadline time.Time) (job, error) {
	block, err := ssh.MarshalPrivateKey(key, "bench upload")
	if err != nil {
		return job{}, fmt.Errorf("encoding the author's key: %w", err)
	}
	return job{Addr: addr, Key: pem.EncodeToMemory(block), HostKey: ssh.MarshalAuthorizedKey(hostKey), Size: size, Deadline: deadline}, nil
}

// runElsewhere runs j in a child process and returns what it saw. It
// fails if the child could not be run; an upload that could not be made is
// the outcome's Err.
func runElsewhere(ctx context.Context, j job) (outcome, error) {
	o := outcome{Code: -1}
	err := child.Run(ctx, ClientEnv, "upload's client", j, &o)
	return o, err
}

// RunClient is the child's side: it reads a job from in, runs it and
// writes the outcome to out.
func RunClient(in io.Reader, out io.Writer) error {
	return child.Serve(in, out, func(j job) (outcome, error) {
		var o outcome
		signer, err := ssh.ParsePrivateKey(j.Key)
		if err != nil {
			return o, fmt.Errorf("reading the author's key: %w", err)
		}
		hostKey, _, _, _, err := ssh.ParseAuthorizedKey(j.HostKey)
		if err != nil {
			return o, fmt.Errorf("reading the host key: %w", err)
		}
		ctx, cancel := context.WithDeadline(context.Background(), j.Deadline)
		defer cancel()
		var uerr error
		o.Sent, o.Answer, o.Code, uerr = upload(ctx, j.Addr, clients.Config("reader", signer, hostKey), j.Size, j.Deadline)
		if uerr != nil {
			o.Err = uerr.Error()
		}
		return o, nil
	})
}
