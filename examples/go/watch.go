// The matchmaker's loop, from Go: watch a stream group's disconnects, and reconnect each dropped player.
//
// Run against `npm start` (Debian's golang-go, golang-google-grpc-dev; stubs from `npm run generate:clients`):
//
//	npm run example:go-watch    # then, in another terminal: npm run -s cli -- session
//
// It stops after five minutes; a real matchmaker subscribes again whenever the stream ends.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	reconnectv1 "example.com/gameliftstreams-reconnect/gen/go/reconnect/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"
)

// freshOfferFromThePlayersClient stands in for the game's own channel to the player's client, which makes a new
// WebRTC offer on request.
func freshOfferFromThePlayersClient(sessionArn string) string {
	return `{"type":"offer","sdp":"v=0 fresh offer from the Go matchmaker example"}`
}

func main() {
	group := "sg-demo00001"
	address := os.Getenv("RECONNECT_ADDRESS")
	if address == "" {
		address = "127.0.0.1:50051"
	}
	// Keepalive pings every two minutes: a watch is silent while nothing drops, and a server that vanished without
	// closing the connection would otherwise leave the loop waiting forever.
	connection, err := grpc.Dial(address, grpc.WithInsecure(),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 2 * time.Minute, Timeout: 20 * time.Second}))
	if err != nil {
		fmt.Println("cannot connect:", err)
		os.Exit(1)
	}
	defer connection.Close()
	client := reconnectv1.NewReconnectServiceClient(connection)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	stream, err := client.WatchStreamSessions(ctx, &reconnectv1.WatchStreamSessionsRequest{StreamGroupIdentifier: group})
	if err != nil {
		fmt.Println("cannot watch:", err)
		os.Exit(1)
	}
	for {
		event, err := stream.Recv()
		if err == io.EOF {
			return
		}
		if err != nil {
			// RESOURCE_EXHAUSTED or UNAVAILABLE: subscribe again, and the new snapshot covers the gap.
			fmt.Printf("the stream ended: %s: %s\n", status.Code(err), status.Convert(err).Message())
			os.Exit(1)
		}
		session := event.GetSession()
		fmt.Println(event.GetType(), session.GetArn())
		switch event.GetType() {
		case reconnectv1.WatchEventType_WATCH_EVENT_TYPE_SNAPSHOT_SESSION, reconnectv1.WatchEventType_WATCH_EVENT_TYPE_DISCONNECTED:
			reconnect(client, group, session)
		}
	}
}

func reconnect(client reconnectv1.ReconnectServiceClient, group string, session *reconnectv1.WatchedStreamSession) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := client.ReconnectStreamSession(ctx, &reconnectv1.ReconnectStreamSessionRequest{
		StreamGroupIdentifier:   group,
		StreamSessionIdentifier: session.GetArn(),
		SignalRequest:           freshOfferFromThePlayersClient(session.GetArn()),
	})
	if err != nil {
		fmt.Printf("  reconnect of %s failed: %s: %s\n", session.GetArn(), status.Code(err), status.Convert(err).Message())
		return
	}
	fmt.Printf("  reconnected %s: the answer goes back to the player's client\n", session.GetArn())
}
