"""A Python client, with stubs generated from our proto, against the service on the emulator.

Run by scripts/cross-language-test.sh (and .ci/run), which starts `node dist/src/main.js` and sets
RECONNECT_ADDRESS and EMULATOR_ENDPOINT. Uses Debian's python3-grpcio and python3-protobuf only.
"""
import json
import os
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "gen", "clients", "python"))

import grpc  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from reconnect.v1 import reconnect_pb2, reconnect_pb2_grpc  # noqa: E402

ADDRESS = os.environ["RECONNECT_ADDRESS"]
EMULATOR = os.environ["EMULATOR_ENDPOINT"]
GROUP = "sg-demo00001"
OFFER = '{"type":"offer","sdp":"v=0 python cross-language fixture"}'


def emulator(method: str, path: str, body: object = None) -> object:
    """Calls the emulator over plain HTTP: its AWS routes check no signature, and /_emulator/ is its control API."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(EMULATOR + path, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


def dropped_session() -> str:
    """Starts a session the way a game backend does, then connects and drops its client."""
    started = emulator("POST", f"/streamgroups/{GROUP}/streamsessions", {
        "Protocol": "WebRTC", "SignalRequest": "NO_CLIENT_CONNECTION", "ApplicationIdentifier": "a-python01",
    })
    session_id = started["Arn"].split("/")[-1]
    for action in ("connect", "drop"):
        emulator("POST", f"/_emulator/stream-groups/{GROUP}/stream-sessions/{session_id}/client", {"action": action})
    return session_id


def inject(fault: dict) -> None:
    emulator("POST", "/_emulator/faults", {"operation": "CreateStreamSessionConnection", "fault": fault, "probability": 1})


def details(error: grpc.RpcError) -> dict:
    """The google.rpc.Status from the grpc-status-details-bin trailer, each detail unpacked by its type."""
    found = {}
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            found["status"] = status
            for packed in status.details:
                for kind in (error_details_pb2.ErrorInfo, error_details_pb2.BadRequest, error_details_pb2.RetryInfo,
                             error_details_pb2.ResourceInfo, error_details_pb2.PreconditionFailure,
                             error_details_pb2.QuotaFailure, error_details_pb2.RequestInfo):
                    if packed.Is(kind.DESCRIPTOR):
                        message = kind()
                        packed.Unpack(message)
                        found.setdefault(kind.__name__, []).append(message)
    return found


class CrossLanguageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.channel = grpc.insecure_channel(ADDRESS)
        cls.stub = reconnect_pb2_grpc.ReconnectServiceStub(cls.channel)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.channel.close()

    def tearDown(self) -> None:
        emulator("DELETE", "/_emulator/faults")

    def reconnect(self, session_id: str, timeout: float = 10, **fields: str):
        request = reconnect_pb2.ReconnectStreamSessionRequest(
            stream_group_identifier=fields.get("group", GROUP), stream_session_identifier=session_id,
            signal_request=fields.get("signal_request", OFFER))
        if "client_token" in fields:
            request.client_token = fields["client_token"]
        return self.stub.ReconnectStreamSession(request, timeout=timeout)

    def failure(self, session_id: str, **fields: str) -> grpc.RpcError:
        with self.assertRaises(grpc.RpcError) as raised:
            self.reconnect(session_id, **fields)
        return raised.exception

    def assert_reason(self, error: grpc.RpcError, code: grpc.StatusCode, reason: str) -> dict:
        self.assertEqual(error.code(), code, error.details())
        found = details(error)
        self.assertEqual(found["status"].code, code.value[0])
        self.assertEqual(len(found["ErrorInfo"]), 1)
        self.assertEqual(found["ErrorInfo"][0].reason, reason)
        self.assertEqual(found["ErrorInfo"][0].domain, "reconnect.gameliftstreams.internal")
        return found

    def test_health_check_says_serving(self) -> None:
        health = health_pb2_grpc.HealthStub(self.channel)
        for service in ("", "reconnect.v1.ReconnectService"):
            answer = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            self.assertEqual(answer.status, health_pb2.HealthCheckResponse.SERVING)

    def test_successful_reconnect(self) -> None:
        response = self.reconnect(dropped_session())
        self.assertIn("emulator-answer-", json.loads(response.signal_response)["sdp"])

    def test_get_stream_session(self) -> None:
        session_id = dropped_session()
        answer = self.stub.GetStreamSession(reconnect_pb2.GetStreamSessionRequest(
            stream_group_identifier=GROUP, stream_session_identifier=session_id), timeout=10)
        self.assertEqual(answer.status, reconnect_pb2.STREAM_SESSION_STATUS_PENDING_CLIENT_RECONNECTION)
        self.assertTrue(answer.reconnectable)
        self.assertTrue(answer.HasField("reconnection_window_ends_at"))

    def test_watch_reports_a_drop_and_its_reconnect(self) -> None:
        events = self.stub.WatchStreamSessions(
            reconnect_pb2.WatchStreamSessionsRequest(stream_group_identifier=GROUP), timeout=30)
        kinds = reconnect_pb2.WatchEventType
        seen = []
        session_id = None
        try:
            for event in events:  # bounded by the stream's 30 s deadline and by the count below
                seen.append((event.type, event.session.arn.split("/")[-1]))
                self.assertLess(len(seen), 500, "too many events")
                if event.type == kinds.WATCH_EVENT_TYPE_SNAPSHOT_COMPLETE:
                    session_id = dropped_session()
                elif event.type == kinds.WATCH_EVENT_TYPE_DISCONNECTED and seen[-1][1] == session_id:
                    self.assertTrue(event.session.HasField("reconnection_window_ends_at"))
                    self.assertEqual(event.session.status_name, "PENDING_CLIENT_RECONNECTION")
                    self.reconnect(session_id)
                elif event.type == kinds.WATCH_EVENT_TYPE_RECONNECTED and seen[-1][1] == session_id:
                    self.assertIn(event.session.status_name, ("ACTIVE", "CONNECTED"))
                    break
        finally:
            events.cancel()
        self.assertEqual([kind for kind, id in seen if id == session_id],
                         [kinds.WATCH_EVENT_TYPE_DISCONNECTED, kinds.WATCH_EVENT_TYPE_RECONNECTED])

    def test_watch_refuses_a_status_it_cannot_follow(self) -> None:
        with self.assertRaises(grpc.RpcError) as raised:
            next(iter(self.stub.WatchStreamSessions(reconnect_pb2.WatchStreamSessionsRequest(
                stream_group_identifier=GROUP, statuses=[reconnect_pb2.STREAM_SESSION_STATUS_ACTIVATING]), timeout=10)))
        found = self.assert_reason(raised.exception, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REQUEST")
        self.assertEqual([violation.field for violation in found["BadRequest"][0].field_violations], ["statuses"])

    def test_invalid_request_names_every_field(self) -> None:
        error = self.failure("../etc", group="", signal_request="", client_token="short")
        found = self.assert_reason(error, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REQUEST")
        fields = {violation.field for violation in found["BadRequest"][0].field_violations}
        self.assertEqual(fields, {"stream_group_identifier", "stream_session_identifier", "signal_request", "client_token"})

    def test_each_aws_error_maps_to_its_code(self) -> None:
        rows = [
            ("ValidationException", grpc.StatusCode.INVALID_ARGUMENT, "UPSTREAM_VALIDATION_FAILED"),
            ("AccessDeniedException", grpc.StatusCode.PERMISSION_DENIED, "UPSTREAM_ACCESS_DENIED"),
            ("ResourceNotFoundException", grpc.StatusCode.NOT_FOUND, "STREAM_SESSION_NOT_FOUND"),
            ("ConflictException", grpc.StatusCode.FAILED_PRECONDITION, "STREAM_SESSION_NOT_RECONNECTABLE"),
            ("InternalServerException", grpc.StatusCode.INTERNAL, "UPSTREAM_INTERNAL_ERROR"),
            ("SomethingNewException", grpc.StatusCode.UNKNOWN, "UPSTREAM_UNMODELLED_ERROR"),
        ]
        for error_name, code, reason in rows:
            with self.subTest(error_name):
                session_id = dropped_session()
                inject({"kind": "error", "errorName": error_name})
                self.assert_reason(self.failure(session_id), code, reason)
                emulator("DELETE", "/_emulator/faults")

    def test_throttling_carries_retry_info(self) -> None:
        session_id = dropped_session()
        inject({"kind": "error", "errorName": "ThrottlingException"})
        found = self.assert_reason(self.failure(session_id), grpc.StatusCode.RESOURCE_EXHAUSTED, "UPSTREAM_THROTTLED")
        self.assertGreater(found["RetryInfo"][0].retry_delay.seconds, 0)
        self.assertEqual(found["QuotaFailure"][0].violations[0].subject, "aws:gameliftstreams:CreateStreamSessionConnection")

    def test_dropped_connection_is_unavailable(self) -> None:
        session_id = dropped_session()
        inject({"kind": "drop-connection"})
        self.assert_reason(self.failure(session_id), grpc.StatusCode.UNAVAILABLE, "UPSTREAM_UNREACHABLE")

    def test_not_found_carries_resource_info(self) -> None:
        found = self.assert_reason(self.failure("NoSuchSession1"), grpc.StatusCode.NOT_FOUND, "STREAM_SESSION_NOT_FOUND")
        self.assertEqual(found["ResourceInfo"][0].resource_name, "NoSuchSession1")

    def test_session_in_wrong_status_is_failed_precondition(self) -> None:
        session_id = dropped_session()
        emulator("PUT", f"/_emulator/stream-groups/{GROUP}/stream-sessions/{session_id}/status", {"status": "CONNECTED"})
        found = self.assert_reason(self.failure(session_id), grpc.StatusCode.FAILED_PRECONDITION, "STREAM_SESSION_NOT_RECONNECTABLE")
        self.assertEqual(found["PreconditionFailure"][0].violations[0].subject, session_id)

    def test_deadline_expires(self) -> None:
        session_id = dropped_session()
        inject({"kind": "latency", "ms": 3000})
        with self.assertRaises(grpc.RpcError) as raised:
            self.reconnect(session_id, timeout=0.3)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)


if __name__ == "__main__":
    unittest.main(verbosity=2)
