import socket

for host, port in [("127.0.0.1", int("__PORT__")), ("1.1.1.1", 53), ("8.8.8.8", 443)]:
    try:
        socket.create_connection((host, port), timeout=2).sendall(b"exfiltrate")
        print("CONNECTED", host, port)
    except OSError as e:
        print("no connection to", host, port, e)
