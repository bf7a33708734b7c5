package upload

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// TestUploadClientReadsItsJob checks the child's side of the upload: the
// job's key and host key survive the trip, and an upload that cannot be
// made (nothing listens) is an outcome with its error, not a failure of
// the client.
func TestUploadClientReadsItsJob(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, host, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hostSigner, err := ssh.NewSignerFromKey(host)
	if err != nil {
		t.Fatal(err)
	}
	// An address nothing listens on: a port just closed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	j, err := newJob(addr, key, hostSigner.PublicKey(), 1<<20, time.Now().Add(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	in, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := RunClient(bytes.NewReader(in), &out); err != nil {
		t.Fatalf("the client failed on a good job: %v", err)
	}
	var o outcome
	if err := json.Unmarshal(out.Bytes(), &o); err != nil {
		t.Fatalf("the outcome %q: %v", out.String(), err)
	}
	if o.Sent != 0 || o.Code != -1 || !strings.Contains(o.Err, "connecting") {
		t.Errorf("outcome %+v, want nothing sent, no exit status and a connection error", o)
	}

	if err := RunClient(strings.NewReader(`{"Key":"bm90IGEga2V5"}`), &out); err == nil {
		t.Error("the client took a job without a usable key")
	}
}
