// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.console;

/**
 * What one socket's console port keeps across frontend connections: the bounded ring of host
 * input not yet delivered to the guest (typing before the guest is ready is kept, up to its
 * capacity) and the backend. The device of the current frontend attaches its wake-ups.
 */
final class ConsolePort {
  static final int INPUT_CAPACITY = 64 * 1024;

  private final ByteRing input;
  private final ConsoleBackend backend;
  private Object owner;
  private volatile Runnable onInput = () -> {};
  private volatile Runnable onOutputRoom = () -> {};

  ConsolePort(ConsoleBackend backend, int inputCapacity) {
    this.backend = backend;
    this.input = new ByteRing(inputCapacity);
  }

  ConsolePort(ConsoleBackend backend) {
    this(backend, INPUT_CAPACITY);
  }

  ByteRing input() {
    return input;
  }

  ConsoleBackend backend() {
    return backend;
  }

  /** The device of a new frontend takes over the port's wake-ups. */
  synchronized void attach(Object device, Runnable inputArrived, Runnable outputRoom) {
    owner = device;
    onInput = inputArrived;
    onOutputRoom = outputRoom;
  }

  /** A stopped device lets go, unless a newer device already took the port over. */
  synchronized void detach(Object device) {
    if (owner == device) {
      owner = null;
      onInput = () -> {};
      onOutputRoom = () -> {};
    }
  }

  /** Called by the backend after adding bytes to {@link #input()}. */
  void inputArrived() {
    onInput.run();
  }

  /** Called by the backend after draining output it had refused with {@code canAccept}. */
  void outputRoom() {
    onOutputRoom.run();
  }
}
