"""The matchmaker's loop, from Python: watch a stream group's disconnects, and reconnect each dropped player.

Run against `npm start` (Debian's python3-grpcio and python3-protobuf, stubs from `npm run generate:clients`):
    npm run example:python-watch                      # then, in another terminal: npm run -s cli -- session
It stops after --max-events events or --seconds seconds, whichever comes first.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "gen", "clients", "python"))

import grpc  # noqa: E402
from reconnect.v1 import reconnect_pb2, reconnect_pb2_grpc  # noqa: E402

EVENT = reconnect_pb2.WatchEventType


def fresh_offer_from_the_players_client(session_arn: str) -> str:
    """Stands in for the game's own channel to the player's client, which makes a new WebRTC offer on request."""
    return '{"type":"offer","sdp":"v=0 fresh offer from the Python matchmaker example"}'


def reconnect(stub: reconnect_pb2_grpc.ReconnectServiceStub, group: str, session: reconnect_pb2.WatchedStreamSession) -> None:
    request = reconnect_pb2.ReconnectStreamSessionRequest(
        stream_group_identifier=group,
        stream_session_identifier=session.arn,
        signal_request=fresh_offer_from_the_players_client(session.arn),
    )
    try:
        stub.ReconnectStreamSession(request, timeout=10)
        print(f"  reconnected {session.arn}: the answer goes back to the player's client")
    except grpc.RpcError as error:
        print(f"  reconnect of {session.arn} failed: {error.code().name}: {error.details()}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--group", default="sg-demo00001")
    parser.add_argument("--max-events", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=300)
    arguments = parser.parse_args()
    address = os.environ.get("RECONNECT_ADDRESS", "127.0.0.1:50051")
    # Keepalive pings every two minutes: a watch is silent while nothing drops, and a server that vanished without
    # closing the connection would otherwise leave the loop waiting forever.
    keepalive = [("grpc.keepalive_time_ms", 120_000), ("grpc.keepalive_timeout_ms", 20_000)]
    with grpc.insecure_channel(address, options=keepalive) as channel:
        stub = reconnect_pb2_grpc.ReconnectServiceStub(channel)
        watch = reconnect_pb2.WatchStreamSessionsRequest(stream_group_identifier=arguments.group)
        try:
            for count, event in enumerate(stub.WatchStreamSessions(watch, timeout=arguments.seconds), start=1):
                print(f"{EVENT.Name(event.type)} {event.session.arn}")
                # A session in the snapshot dropped before we watched; one DISCONNECTED dropped just now: both wait.
                if event.type in (EVENT.WATCH_EVENT_TYPE_SNAPSHOT_SESSION, EVENT.WATCH_EVENT_TYPE_DISCONNECTED):
                    reconnect(stub, arguments.group, event.session)
                if count >= arguments.max_events:
                    return 0
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                return 0
            # RESOURCE_EXHAUSTED or UNAVAILABLE: a real matchmaker subscribes again, and the new snapshot covers the gap.
            print(f"the stream ended: {error.code().name}: {error.details()}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
