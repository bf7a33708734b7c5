package app

import (
	"fmt"
	"net"
	"time"

	proxyproto "github.com/pires/go-proxyproto"
)

// proxyHeaderTimeout bounds how long a load balancer may take to send the
// PROXY header of a connection.
const proxyHeaderTimeout = 5 * time.Second

// Listen opens a TCP listener on addr. With trustedProxies (addresses or
// CIDR ranges of load balancers), connections from those addresses must
// open with a PROXY protocol header (v1 or v2), and the client address it
// carries is the connection's remote address: what per-address limits,
// logs and read counts see. A connection from anywhere else is taken as it
// is, and a PROXY header it sends is never read as one (to SSH it is
// garbage, and the handshake fails), so no one who reaches the port
// directly can pose as another address.
func Listen(addr string, trustedProxies []string) (net.Listener, error) {
	var policy proxyproto.ConnPolicyFunc
	if len(trustedProxies) > 0 {
		var err error
		policy, err = proxyproto.PolicyFromRanges(trustedProxies, proxyproto.REQUIRE, proxyproto.SKIP)
		if err != nil {
			return nil, fmt.Errorf("proxy-protocol: %w", err)
		}
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	if policy == nil {
		return l, nil
	}
	return &proxyproto.Listener{Listener: l, ConnPolicy: policy, ReadHeaderTimeout: proxyHeaderTimeout}, nil
}
