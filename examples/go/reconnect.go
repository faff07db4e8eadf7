// Reconnects a dropped stream session through the service, from Go.
//
// Run against `npm start` (Debian's golang-go, golang-google-grpc-dev; stubs from `npm run generate:clients`):
//
//	npm run example:go -- $(npm run -s cli -- session)
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	reconnectv1 "example.com/gameliftstreams-reconnect/gen/go/reconnect/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// errorReason reads the ErrorInfo reason from the google.rpc.Status the service sends (in the
// grpc-status-details-bin trailer) with every error; grpc-go decodes it into genproto's types.
func errorReason(err error) string {
	for _, detail := range status.Convert(err).Details() {
		if info, ok := detail.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return "(none)"
}

func main() {
	sessionID := "NoSuchSession1"
	if len(os.Args) > 1 {
		sessionID = os.Args[1]
	}
	address := os.Getenv("RECONNECT_ADDRESS")
	if address == "" {
		address = "127.0.0.1:50051"
	}
	connection, err := grpc.Dial(address, grpc.WithInsecure())
	if err != nil {
		fmt.Println("cannot connect:", err)
		os.Exit(1)
	}
	defer connection.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	response, err := reconnectv1.NewReconnectServiceClient(connection).ReconnectStreamSession(ctx, &reconnectv1.ReconnectStreamSessionRequest{
		StreamGroupIdentifier:   "sg-demo00001",
		StreamSessionIdentifier: sessionID,
		SignalRequest:           `{"type":"offer","sdp":"v=0 fresh offer from the Go example"}`,
	})
	if err != nil {
		fmt.Printf("%s: %s\nreason: %s\n", status.Code(err), status.Convert(err).Message(), errorReason(err))
		os.Exit(1)
	}
	fmt.Println("signal response:", response.GetSignalResponse())
}
