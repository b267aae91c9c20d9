// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vhostdevice.sys.Epoll;
import org.vhostdevice.sys.EventFd;
import org.vhostdevice.sys.NativeException;

/**
 * The floor under {@link NullDeviceBenchmark#batch1}: two threads bouncing a wake-up through a
 * pair of eventfds, each blocked in epoll_wait, with no ring and no device. Whatever the null
 * device's kick→call round trip costs above this is ours; this much is the kernel's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"})
public class EventFdPingPongBenchmark {
  private EventFd ping;
  private EventFd pong;
  private EventFd stop;
  private Epoll pongWait;
  private Thread echo;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    ping = EventFd.create();
    pong = EventFd.create();
    stop = EventFd.create();
    pongWait = Epoll.create(1);
    pongWait.add(pong.fd(), Epoll.EPOLLIN, 0);
    Epoll pingWait = Epoll.create(2);
    pingWait.add(ping.fd(), Epoll.EPOLLIN, 0);
    pingWait.add(stop.fd(), Epoll.EPOLLIN, 1);
    echo = Thread.ofPlatform().start(() -> {
      try (pingWait) {
        while (true) {
          int n = pingWait.await(-1);
          for (int i = 0; i < n; i++) {
            if (pingWait.token(i) == 1) {
              return;
            }
          }
          ping.read();
          pong.signal();
        }
      } catch (NativeException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    stop.signal();
    echo.join(5000);
    pongWait.close();
    ping.close();
    pong.close();
    stop.close();
  }

  @Benchmark
  public long roundTrip() throws Exception {
    ping.signal();
    pongWait.await(-1);
    return pong.read();
  }
}
