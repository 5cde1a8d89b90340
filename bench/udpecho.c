/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * udpecho.c - rampart-udpecho, the two ends of bench/tenant.sh's UDP echo
 * traffic, in batches of system calls so that they are not what limits:
 *
 *   rampart-udpecho echo PORT              answer every datagram to PORT
 *   rampart-udpecho blast ADDR PORT SECONDS [SIZE]
 *       send SIZE-byte datagrams (64) to ADDR:PORT as fast as answers come
 *       back (a window of 256 in flight), for SECONDS, and print
 *       "sent N received M pps P" (P: answers a second)
 *   rampart-udpecho first ADDR PORT TIMEOUT_MS
 *       send one datagram a millisecond until one comes back; print the
 *       milliseconds from start to that answer (the tenant's
 *       start-to-first-packet, when started together with the tenant)
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(void)
{
	fprintf(stderr, "usage: rampart-udpecho echo PORT | blast ADDR PORT SECONDS [SIZE] | "
			"first ADDR PORT TIMEOUT_MS\n");
	return 2;
}

static int echo(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	static char buf[BATCH][2048];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in from[BATCH];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("rampart-udpecho: bind");
		return 1;
	}
	for (;;) {
		int n;

		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ buf[i], sizeof(buf[i]) };
			m[i].msg_hdr = (struct msghdr){ .msg_name = &from[i],
							.msg_namelen = sizeof(from[i]),
							.msg_iov = &iov[i],
							.msg_iovlen = 1 };
		}
		n = recvmmsg(fd, m, BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0)
			continue;
		for (int i = 0; i < n; i++)
			iov[i].iov_len = m[i].msg_len;
		sendmmsg(fd, m, (unsigned)n, 0);
	}
}

static int target(const char *addr, int port, struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (fd < 0 || inet_pton(AF_INET, addr, &sa->sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0) {
		fprintf(stderr, "rampart-udpecho: %s:%d: %s\n", addr, port, strerror(errno));
		exit(1);
	}
	return fd;
}

static int blast(const char *addr, int port, double secs, size_t size)
{
	static char buf[BATCH][2048];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in sa;
	int fd = target(addr, port, &sa);
	unsigned long long sent = 0, got = 0, lost = 0;
	double t0 = now(), t_end = t0 + secs, last = t0;
	const unsigned long long window = 256;

	if (size < 16 || size > 1472)
		return usage();
	while (now() < t_end) {
		unsigned long long inflight = sent - got - lost;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n;

		if (inflight < window) {
			unsigned k =
				(unsigned)(window - inflight < BATCH ? window - inflight : BATCH);

			for (unsigned i = 0; i < k; i++) {
				iov[i] = (struct iovec){ buf[i], size };
				m[i].msg_hdr =
					(struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
			}
			n = sendmmsg(fd, m, k, 0);
			if (n > 0)
				sent += (unsigned long long)n;
		} else if (now() - last > 0.05) {
			lost += inflight; /* nothing back for 50 ms: written off */
			last = now();
		}
		poll(&p, 1, 1);
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ buf[i], sizeof(buf[i]) };
			m[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
		}
		while ((n = recvmmsg(fd, m, BATCH, MSG_DONTWAIT, NULL)) > 0) {
			got += (unsigned long long)n;
			last = now();
		}
	}
	printf("sent %llu received %llu pps %.0f\n", sent, got, (double)got / secs);
	return 0;
}

static int first(const char *addr, int port, double timeout_ms)
{
	struct sockaddr_in sa;
	int fd = target(addr, port, &sa);
	double t0 = now();
	char b[64] = "first";

	while ((now() - t0) * 1000 < timeout_ms) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (send(fd, b, 16, 0) < 0 && errno != ECONNREFUSED && errno != EAGAIN)
			break;
		if (poll(&p, 1, 1) == 1 && recv(fd, b, sizeof(b), 0) > 0) {
			printf("%.2f\n", (now() - t0) * 1000);
			return 0;
		}
	}
	printf("timeout\n");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "echo") == 0)
		return echo(atoi(argv[2]));
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "blast") == 0)
		return blast(argv[2], atoi(argv[3]), atof(argv[4]),
			     argc == 6 ? (size_t)atoi(argv[5]) : 64);
	if (argc == 5 && strcmp(argv[1], "first") == 0)
		return first(argv[2], atoi(argv[3]), atof(argv[4]));
	return usage();
}
