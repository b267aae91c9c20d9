// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import java.io.IOException;

/**
 * One open endpoint on a host CAN interface. {@link SocketCanBus} is a raw SocketCAN socket;
 * {@link SimulatedCanNetwork} (the {@code --simulate} test backend) and the tests' fake behave the
 * same way behind this interface.
 *
 * <p>Threading: {@link #send} is called from the device's worker, {@link #receive} from its
 * receive loop, {@link #close} from the control thread after both have stopped.
 */
public interface CanBus extends AutoCloseable {
  /** The interface name, e.g. {@code vcan0}. */
  String name();

  /** True if the interface carries CAN FD frames (its MTU is CANFD_MTU). */
  boolean fdCapable();

  /**
   * Queues one frame for transmission without blocking.
   *
   * @throws CanSendException with the errno when the interface refuses it
   */
  void send(CanFrame frame) throws CanSendException;

  /**
   * Takes the next received frame into {@code into} without blocking.
   *
   * @return false when nothing is waiting
   */
  boolean receive(CanFrame into) throws IOException;

  /** A descriptor that polls readable (level-triggered) while frames are waiting. */
  int pollFd();

  @Override
  void close();

  /** Opens an endpoint on a named interface. */
  @FunctionalInterface
  interface Opener {
    CanBus open(String ifname) throws IOException;
  }
}
