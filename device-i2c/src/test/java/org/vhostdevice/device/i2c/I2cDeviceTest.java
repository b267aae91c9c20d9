// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.i2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.memory.GuestMemory;
import org.vhostdevice.memory.GuestRegion;
import org.vhostdevice.queue.SplitQueue;
import org.vhostdevice.queue.driver.DriverQueue;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.vhostuser.device.VirtQueue;

/** The request queue over fake guest memory and a programmable adapter (Rust's vhu_i2c tests). */
class I2cDeviceTest {
  private static final long BASE = 0x1_0000;
  private static final long HDR = BASE + 0x8000;
  private static final long DATA = BASE + 0x9000;
  private static final long STATUS = BASE + 0xA000;

  private Arena arena;
  private GuestMemory memory;
  private DriverQueue driver;
  private SplitQueue queue;
  private VirtQueue vq;
  private ProgrammableBus bus;
  private I2cDevice device;
  private int next;

  @BeforeEach
  void setUp() throws Exception {
    arena = Arena.ofShared();
    MemorySegment ram = arena.allocate(0x10000, 4096);
    GuestRegion region = GuestRegion.ofSegment(BASE, ram.address(), ram, null);
    memory = GuestMemory.of(List.of(region));
    region.release();
    driver = DriverQueue.layout(memory, 64, BASE);
    queue = new SplitQueue(I2cDevice.QUEUE_SIZE);
    queue.setSize(64);
    queue.setAddresses(driver.descTable(), driver.availRing(), driver.usedRing());
    vq = new VirtQueue(0, queue);
    vq.beginBatch(memory);
    bus = new ProgrammableBus(1);
    device = new I2cDevice(I2cMap.open(DeviceList.parse("1:32:33"), cfg -> bus));
  }

  @AfterEach
  void tearDown() {
    memory.release();
    arena.close();
  }

  /** Writes a request's header, data and status slots; returns the head. */
  private int request(int addr, boolean read, int len, boolean statusWritable, int statusLen)
      throws Exception {
    int slot = next++;
    long hdr = HDR + slot * 8L;
    memory.slice(hdr, 8).set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) (addr << 1));
    memory.slice(hdr, 8).set(ValueLayout.JAVA_INT_UNALIGNED, 4, read ? 2 : 0);
    long data = DATA + slot * 0x40L;
    if (!read) {
      for (int i = 0; i < len; i++) {
        memory.slice(data + i, 1).set(ValueLayout.JAVA_BYTE, 0, (byte) (i + 1));
      }
    }
    Buffer status = new Buffer(STATUS + slot, statusLen, statusWritable);
    int head = len < 0
        ? driver.addChain(new Buffer(hdr, 8, false), status)
        : driver.addChain(new Buffer(hdr, 8, false), new Buffer(data, len, read), status);
    driver.publish(head);
    return head;
  }

  private int status(int slot) throws Exception {
    return memory.slice(STATUS + slot, 1).get(ValueLayout.JAVA_BYTE, 0);
  }

  private UsedElement serve() throws Exception {
    device.handleQueue(0, vq);
    queue.publishUsed(memory);
    return driver.pollUsed();
  }

  @Test
  void advertisesTheRustFeatureWordAndLayout() {
    assertEquals(0x1_7100_0001L, device.features());
    assertEquals(34, device.deviceType());
    assertEquals(1, device.numQueues());
    assertEquals(1024, device.maxQueueSize(0));
    assertEquals(0, device.configSize());
  }

  @Test
  void aSingleReadReturnsTheDataAndOk() throws Exception {
    request(32, true, 4, true, 1);
    UsedElement e = serve();
    assertEquals(5, e.len(), "4 data bytes + status");
    assertEquals(0, status(0));
    byte[] got = new byte[4];
    memory.read(DATA, MemorySegment.ofArray(got));
    assertArrayEquals(new byte[] {1, 2, 3, 4}, got);
  }

  @Test
  void aSingleWriteReachesTheAdapterAndUsesOnlyTheStatusByte() throws Exception {
    request(32, false, 3, true, 1);
    UsedElement e = serve();
    assertEquals(1, e.len(), "the device wrote only the status");
    assertEquals(0, status(0));
    assertArrayEquals(new byte[] {1, 2, 3}, bus.written.get(0));
    assertEquals(32, bus.selected.get(bus.selected.size() - 1));
  }

  @Test
  void sixMixedRequestsFormOneTransfer() throws Exception {
    for (int i = 0; i < 6; i++) {
      request(33, i % 2 == 1, 2 + i, true, 1);
    }
    device.handleQueue(0, vq);
    queue.publishUsed(memory);
    assertEquals(1, bus.transfers);
    for (int i = 0; i < 6; i++) {
      UsedElement e = driver.pollUsed();
      assertEquals(i % 2 == 1 ? 3 + i : 1, e.len());
      assertEquals(0, status(i));
    }
  }

  @Test
  void aFailedTransferAnswersErrWithoutData() throws Exception {
    bus.transferFailure = new org.vhostdevice.sys.NativeException("ioctl(I2C_RDWR)", 121);
    request(32, true, 4, true, 1);
    assertEquals(1, serve().len());
    assertEquals(1, status(0));
  }

  @Test
  void anUnknownAddressAnswersErr() throws Exception {
    request(0x50, false, 1, true, 1);
    assertEquals(1, serve().len());
    assertEquals(1, status(0));
    assertEquals(0, bus.transfers);
  }

  @Test
  void aZeroLengthRequestIsPassedToTheAdapter() throws Exception {
    request(32, false, -1, true, 1);
    assertEquals(1, serve().len());
    assertEquals(0, status(0));
    assertEquals(1, bus.transfers);
  }

  @Test
  void aZeroLengthReadRefusedByTheAdapterAnswersErr() throws Exception {
    bus.transferFailure = new org.vhostdevice.sys.NativeException("ioctl(I2C_RDWR)", 95);
    request(32, true, -1, true, 1);
    assertEquals(1, serve().len());
    assertEquals(1, status(0));
  }

  private void assertMalformedAnswersErrAndQueueGoesOn(int head) throws Exception {
    device.handleQueue(0, vq);
    queue.publishUsed(memory);
    UsedElement e = driver.pollUsed();
    assertEquals(head, e.id());
    int good = request(32, false, 2, true, 1);
    UsedElement after = serve();
    assertEquals(good, after.id());
    assertEquals(0, status(next - 1), "the next request is served");
  }

  @Test
  void oneDescriptorIsMalformed() throws Exception {
    int head = driver.addChain(new Buffer(HDR, 8, false));
    driver.publish(head);
    next++;
    assertMalformedAnswersErrAndQueueGoesOn(head);
  }

  @Test
  void fourDescriptorsAreMalformed() throws Exception {
    int head = driver.addChain(new Buffer(HDR, 8, false), new Buffer(DATA, 1, false),
        new Buffer(DATA + 1, 1, false), new Buffer(STATUS, 1, true));
    driver.publish(head);
    next++;
    assertMalformedAnswersErrAndQueueGoesOn(head);
    assertEquals(1, status(0));
  }

  @Test
  void aWritableHeaderIsMalformed() throws Exception {
    int head = driver.addChain(new Buffer(HDR, 8, true), new Buffer(STATUS, 1, true));
    driver.publish(head);
    next++;
    assertMalformedAnswersErrAndQueueGoesOn(head);
    assertEquals(1, status(0));
  }

  @Test
  void aHeaderOf100BytesIsMalformed() throws Exception {
    int head = driver.addChain(new Buffer(HDR, 100, false), new Buffer(STATUS, 1, true));
    driver.publish(head);
    next++;
    assertMalformedAnswersErrAndQueueGoesOn(head);
  }

  @Test
  void aReadableStatusIsMalformedAndUsedWithLengthZero() throws Exception {
    request(32, false, 1, false, 1);
    device.handleQueue(0, vq);
    queue.publishUsed(memory);
    assertEquals(0, driver.pollUsed().len());
  }

  @Test
  void aStatusOf100BytesIsMalformedButGetsErr() throws Exception {
    request(32, false, 1, true, 100);
    assertEquals(1, serve().len());
    assertEquals(1, status(0));
    assertEquals(0, bus.transfers);
  }

  @Test
  void aWritableBufferForAWriteIsMalformed() throws Exception {
    int head = driver.addChain(new Buffer(HDR, 8, false), new Buffer(DATA, 4, true),
        new Buffer(STATUS, 1, true));
    driver.publish(head);
    next++;
    assertMalformedAnswersErrAndQueueGoesOn(head);
    assertEquals(1, status(0));
  }

  @Test
  void aReadableBufferForAReadIsMalformed() throws Exception {
    memory.slice(HDR, 8).set(ValueLayout.JAVA_INT_UNALIGNED, 4, 2);
    int head = driver.addChain(new Buffer(HDR, 8, false), new Buffer(DATA, 4, false),
        new Buffer(STATUS, 1, true));
    driver.publish(head);
    next++;
    assertMalformedAnswersErrAndQueueGoesOn(head);
  }

  @Test
  void aZeroLengthBufferIsMalformed() throws Exception {
    request(32, false, 0, true, 1);
    assertEquals(1, serve().len());
    assertEquals(1, status(0));
    assertEquals(0, bus.transfers);
  }

  @Test
  void oneMalformedRequestFailsItsWholeBatch() throws Exception {
    request(32, false, 2, true, 1);
    request(32, false, 0, true, 1);
    device.handleQueue(0, vq);
    queue.publishUsed(memory);
    assertEquals(1, driver.pollUsed().len());
    assertEquals(1, driver.pollUsed().len());
    assertEquals(1, status(0));
    assertEquals(1, status(1));
    assertEquals(0, bus.transfers, "no partial transfer reaches the bus");
  }

  @Test
  void buffersOutsideGuestMemoryNeverReachTheDevice() throws Exception {
    int head = driver.addChain(new Buffer(0x9000_0000L, 8, false), new Buffer(STATUS, 1, true));
    driver.publish(head);
    UsedElement e = serve();
    assertEquals(0, e.len());
    assertNull(driver.pollUsed());
  }
}
