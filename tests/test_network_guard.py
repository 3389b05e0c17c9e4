import socket

import pytest


def test_outbound_connection_is_refused_in_tests() -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(ConnectionRefusedError, match="may not reach the network"):
        s.connect(("93.184.216.34", 80))
    s.close()
