"""Reconnects a dropped stream session through the service, from Python.

Run against `npm start` (Debian's python3-grpcio and python3-protobuf, stubs from `npm run generate:clients`):
    npm run example:python -- $(npm run -s cli -- session)
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "gen", "clients", "python"))

import grpc  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from reconnect.v1 import reconnect_pb2, reconnect_pb2_grpc  # noqa: E402


def error_reason(error: grpc.RpcError) -> str:
    """The ErrorInfo reason from the google.rpc.Status in the grpc-status-details-bin trailer."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                    info = error_details_pb2.ErrorInfo()
                    detail.Unpack(info)
                    return info.reason
    return "(none)"


def main(session_id: str) -> int:
    address = os.environ.get("RECONNECT_ADDRESS", "127.0.0.1:50051")
    with grpc.insecure_channel(address) as channel:
        stub = reconnect_pb2_grpc.ReconnectServiceStub(channel)
        request = reconnect_pb2.ReconnectStreamSessionRequest(
            stream_group_identifier="sg-demo00001",
            stream_session_identifier=session_id,
            signal_request='{"type":"offer","sdp":"v=0 fresh offer from the Python example"}',
        )
        try:
            response = stub.ReconnectStreamSession(request, timeout=10)
        except grpc.RpcError as error:
            print(f"{error.code().name}: {error.details()}")
            print(f"reason: {error_reason(error)}")
            return 1
        print(f"signal response: {response.signal_response}")
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "NoSuchSession1"))
