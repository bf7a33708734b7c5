package server

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	proxyproto "github.com/pires/go-proxyproto"
)

// Probe checks that a blog answers at addr: it connects and reads the SSH
// version line. It is what `sshblog health` runs for Docker's HEALTHCHECK and
// systemd. trusted is the server's proxy-protocol setting: when it trusts
// the probe's own address, the server waits for a PROXY header from it, so
// the probe sends a PROXY v2 LOCAL one (a health check, no client's
// address) first.
func Probe(ctx context.Context, addr string, trusted []string) error {
	var policy proxyproto.ConnPolicyFunc
	if len(trusted) > 0 {
		var err error
		if policy, err = proxyproto.PolicyFromRanges(trusted, proxyproto.REQUIRE, proxyproto.SKIP); err != nil {
			return fmt.Errorf("health: proxy-protocol: %w", err)
		}
	}
	d := net.Dialer{Timeout: 3 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
	if policy != nil {
		// The server sees this connection from its local address.
		p, err := policy(proxyproto.ConnPolicyOptions{Upstream: conn.LocalAddr(), Downstream: conn.RemoteAddr()})
		if err == nil && p == proxyproto.REQUIRE {
			h := &proxyproto.Header{Version: 2, Command: proxyproto.LOCAL, TransportProtocol: proxyproto.UNSPEC}
			if _, err := h.WriteTo(conn); err != nil {
				return fmt.Errorf("health: sending the PROXY header: %w", err)
			}
		}
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("health: reading the version line: %w", err)
	}
	if !strings.HasPrefix(line, "SSH-2.0-") {
		return fmt.Errorf("health: %q is not an SSH server's version line", strings.TrimSpace(line))
	}
	return nil
}
