package main

import (
	"flag"
	"fmt"
	"io"
	"net"
)

// forward relays TCP connections from --listen to --to: pods cannot reach the test API server
// on 127.0.0.1, so the `kubernetes` Service's endpoint is this forwarder on the node's address.
func forward(args []string) error {
	fs := flag.NewFlagSet("forward", flag.ContinueOnError)
	listen := fs.String("listen", "", "address to accept on")
	to := fs.String("to", "", "address to relay to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *listen == "" || *to == "" {
		return fmt.Errorf("forward: --listen and --to are needed")
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	for {
		in, err := l.Accept()
		if err != nil {
			return err
		}
		go relay(in, *to)
	}
}

func relay(in net.Conn, to string) {
	defer in.Close()
	out, err := net.Dial("tcp", to)
	if err != nil {
		return
	}
	defer out.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(out, in); done <- struct{}{} }()
	go func() { _, _ = io.Copy(in, out); done <- struct{}{} }()
	<-done
}
