// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A display that records what the device sends it, and can be told to fail like a dead peer. */
final class RecordingDisplay implements Display {
  /** One message to the display, with the pixels of an update or cursor image. */
  record Event(String text, byte[] pixels) {}

  final List<Event> events = new ArrayList<>();
  byte[] edid = new byte[] {0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
      (byte) 0xFF, 0};
  int width = 800;
  int height = 600;
  boolean failing;

  private void check() throws IOException {
    if (failing) {
      throw new DisplayTimeoutException("the display peer did not answer in time (test)");
    }
  }

  List<String> texts() {
    return events.stream().map(Event::text).toList();
  }

  Event last() {
    return events.get(events.size() - 1);
  }

  @Override
  public byte[] displayInfo() throws IOException {
    check();
    byte[] info = new byte[PMODES_SIZE];
    ByteBuffer.wrap(info).order(ByteOrder.LITTLE_ENDIAN).putInt(8, width).putInt(12, height)
        .putInt(16, 1);
    events.add(new Event("info", null));
    return info;
  }

  @Override
  public byte[] edid(int scanout) throws IOException {
    check();
    events.add(new Event("edid " + scanout, null));
    return edid;
  }

  @Override
  public void scanout(int scanout, int w, int h) throws IOException {
    check();
    events.add(new Event("scanout " + scanout + " " + w + "x" + h, null));
  }

  @Override
  public void update(int scanout, int x, int y, int w, int h, byte[] pixels) throws IOException {
    check();
    events.add(new Event("update " + scanout + " " + x + "," + y + " " + w + "x" + h,
        Arrays.copyOf(pixels, w * h * 4)));
  }

  @Override
  public void cursorUpdate(int scanout, int x, int y, int hotX, int hotY, byte[] image)
      throws IOException {
    check();
    events.add(new Event("cursor " + scanout + " " + x + "," + y + " hot " + hotX + "," + hotY,
        image.clone()));
  }

  @Override
  public void cursorMove(int scanout, int x, int y, boolean visible) throws IOException {
    check();
    events.add(new Event((visible ? "move " : "hide ") + scanout + " " + x + "," + y, null));
  }

  @Override
  public boolean isConnected() {
    return true;
  }
}
