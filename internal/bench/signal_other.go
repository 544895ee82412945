//go:build !unix

package bench

import "os"

// proxyStop stops haproxy (the several-server bench runs where haproxy
// does; here it has no gentler signal).
var proxyStop = os.Kill
