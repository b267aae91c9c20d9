// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.spi;

import org.vhostdevice.vhostuser.testing.QueueHarness;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostdevice.queue.driver.DriverQueue.Buffer;
import org.vhostdevice.queue.driver.DriverQueue.UsedElement;
import org.vhostdevice.sys.Errno;

/** The request queue over fake guest memory with the ioctl-level fake spidev (spec 5.8 "vhu"). */
class VirtioSpiDeviceTest {
  private static final byte OK = SpiTransferHead.VIRTIO_SPI_TRANS_OK;
  private static final byte PARAM_ERR = SpiTransferHead.VIRTIO_SPI_PARAM_ERR;
  private static final byte TRANS_ERR = SpiTransferHead.VIRTIO_SPI_TRANS_ERR;

  private QueueHarness q;
  private FakeSpidev spidev;
  private VirtioSpiDevice device;
  private long next;

  /** Where a request's pieces live, to check the results. */
  record Req(int head, long rx, int rxLen, long result) {}

  @BeforeEach
  void setUp() throws Exception {
    q = new QueueHarness(0, 1024, VirtioSpiDevice.QUEUE_SIZE);
    spidev = FakeSpidev.dummy();
    device = new VirtioSpiDevice(FakeSpidev.DUMMY_CONFIG, spidev.opener(), new ReentrantLock());
    device.queueStarted(0, q.vq);
    next = QueueHarness.DATA;
  }

  @AfterEach
  void tearDown() {
    device.queueStopped(0);
    q.close();
  }

  private long alloc(int n) {
    long a = next;
    next += (n + 15) & ~15;
    return a;
  }

  static byte[] head(int cs, int bpw, int txNbits, int rxNbits, int mode, int freq) {
    ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
    b.put(0, (byte) cs).put(1, (byte) bpw).put(2, (byte) 0).put(3, (byte) txNbits)
        .put(4, (byte) rxNbits);
    b.putInt(8, mode).putInt(12, freq).putInt(16, 3000).putInt(20, 0).putInt(24, 2000)
        .putInt(28, 0);
    return b.array();
  }

  /** Adds head + TX + RX + result as separate descriptors, published. */
  private Req request(byte[] head, byte[] tx, int rxLen) throws Exception {
    List<Buffer> bufs = new ArrayList<>();
    long h = alloc(head.length);
    q.write(h, head);
    bufs.add(new Buffer(h, head.length, false));
    if (tx != null) {
      long t = alloc(tx.length);
      q.write(t, tx);
      bufs.add(new Buffer(t, tx.length, false));
    }
    long rx = 0;
    if (rxLen > 0) {
      rx = alloc(rxLen);
      q.write(rx, new byte[rxLen]);
      bufs.add(new Buffer(rx, rxLen, true));
    }
    long result = alloc(1);
    q.write(result, new byte[] {(byte) 0x7f});
    bufs.add(new Buffer(result, 1, true));
    int id = q.driver.addChain(bufs.toArray(Buffer[]::new));
    q.driver.publish(id);
    return new Req(id, rx, rxLen, result);
  }

  private static byte[] counting(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  private byte result(Req r) throws Exception {
    return q.read(r.result(), 1)[0];
  }

  private void serve() throws Exception {
    device.handleQueue(0, q.vq);
  }

  @Test
  void txOnlyTransfersTheGuestBytes() throws Exception {
    Req r = request(head(0, 8, 1, 1, 0, 10_000), counting(30), 0);
    serve();
    assertEquals(new UsedElement(r.head(), 1), q.used());
    assertEquals(OK, result(r));
    FakeSpidev.Transfer t = spidev.messages.getFirst().getFirst();
    assertArrayEquals(counting(30), t.tx());
    assertEquals(30, t.len());
    assertTrue(t.hasTx() && !t.hasRx());
    assertEquals(10_000, t.speedHz());
    assertEquals(2, t.delayUsecs());
    assertEquals(3, t.wordDelayUsecs());
    assertEquals(8, t.bitsPerWord());
  }

  @Test
  void rxOnlyFillsTheGuestBuffer() throws Exception {
    Req r = request(head(0, 8, 1, 1, 0, 10_000), null, 20);
    serve();
    assertEquals(new UsedElement(r.head(), 21), q.used());
    assertEquals(OK, result(r));
    assertArrayEquals(counting(20), q.read(r.rx(), 20));
    assertTrue(!spidev.messages.getFirst().getFirst().hasTx());
  }

  @Test
  void txAndRxOfTheSameLengthIsOneFullDuplexTransfer() throws Exception {
    byte[] tx = new byte[16];
    java.util.Arrays.fill(tx, (byte) 0x5a);
    Req r = request(head(0, 8, 1, 1, 0, 10_000), tx, 16);
    serve();
    assertEquals(new UsedElement(r.head(), 17), q.used());
    assertArrayEquals(tx, spidev.messages.getFirst().getFirst().tx());
    assertArrayEquals(counting(16), q.read(r.rx(), 16));
  }

  @Test
  void twoRequestsGoInOneMessage() throws Exception {
    Req a = request(head(0, 8, 1, 1, 0, 10_000), counting(4), 0);
    Req b = request(head(0, 8, 1, 1, 0, 10_000), null, 8);
    serve();
    assertEquals(1, spidev.messages.size());
    assertEquals(2, spidev.messages.getFirst().size());
    assertEquals(OK, result(a));
    assertEquals(OK, result(b));
    assertTrue(spidev.requests.contains(SpiIoc.message(2)));
  }

  @Test
  void anUnsupportedModeIsParamErrAndNothingIsTransferred() throws Exception {
    Req r = request(head(0, 8, 1, 1, SpiTransferHead.MODE_LOOP, 10_000), counting(4), 0);
    serve();
    assertEquals(PARAM_ERR, result(r));
    assertEquals(1, q.used().len());
    assertTrue(spidev.messages.isEmpty());
  }

  @Test
  void anUnsupportedTxWidthIsParamErr() throws Exception {
    Req r = request(head(0, 8, 2, 1, 0, 10_000), counting(4), 0);
    serve();
    assertEquals(PARAM_ERR, result(r));
  }

  @Test
  void aMixedBatchTransfersNothingAndTellsTheValidRequestItWasNotDone() throws Exception {
    Req good = request(head(0, 8, 1, 1, 0, 10_000), counting(4), 0);
    Req bad = request(head(0, 8, 1, 1, 0, 1_000_000), counting(4), 0);
    serve();
    assertTrue(spidev.messages.isEmpty(), "all or nothing");
    assertEquals(TRANS_ERR, result(good), "Rust says TRANS_OK for a transfer it never did");
    assertEquals(PARAM_ERR, result(bad));
  }

  @Test
  void aHeadShorterThan32BytesIsParamErrAndTheQueueGoesOn() throws Exception {
    Req shortHead = request(new byte[30], null, 4);
    Req good = request(head(0, 8, 1, 1, 0, 10_000), counting(4), 0);
    serve();
    assertEquals(PARAM_ERR, result(shortHead));
    assertEquals(TRANS_ERR, result(good), "the batch had a bad request");
    Req later = request(head(0, 8, 1, 1, 0, 10_000), counting(4), 0);
    q.used();
    q.used();
    serve();
    assertEquals(OK, result(later));
  }

  @Test
  void aRequestWithoutAWritableResultIsReturnedEmpty() throws Exception {
    long h = alloc(32);
    q.write(h, head(0, 8, 1, 1, 0, 10_000));
    int id = q.driver.addChain(new Buffer(h, 32, false));
    q.driver.publish(id);
    serve();
    assertEquals(new UsedElement(id, 0), q.used());
  }

  @Test
  void txAndRxOfDifferentLengthsAreParamErr() throws Exception {
    Req r = request(head(0, 8, 1, 1, 0, 10_000), counting(30), 20);
    serve();
    assertEquals(PARAM_ERR, result(r));
    assertEquals(21, q.used().len());
  }

  @Test
  void aRequestWithoutDataIsParamErr() throws Exception {
    Req r = request(head(0, 8, 1, 1, 0, 10_000), null, 0);
    serve();
    assertEquals(PARAM_ERR, result(r));
  }

  @Test
  void aWritableDescriptorBeforeTheHeadIsTolerated() throws Exception {
    long rx = alloc(8);
    long h = alloc(32);
    long res = alloc(1);
    q.write(h, head(0, 8, 1, 1, 0, 10_000));
    int id = q.driver.addChain(new Buffer(rx, 8, true), new Buffer(h, 32, false),
        new Buffer(res, 1, true));
    q.driver.publish(id);
    serve();
    assertEquals(OK, q.read(res, 1)[0]);
    assertArrayEquals(counting(8), q.read(rx, 8));
  }

  @Test
  void aFailedIoctlIsTransErrAtTheResultByte() throws Exception {
    spidev.failMessages(Errno.EINVAL);
    Req r = request(head(0, 8, 1, 1, 0, 10_000), null, 8);
    serve();
    assertEquals(TRANS_ERR, result(r), "Rust writes it at the first RX byte instead");
    assertEquals(0, q.read(r.rx(), 1)[0]);
  }

  @Test
  void scatteredBuffersGoThroughTheBounceBuffer() throws Exception {
    long h = alloc(32);
    q.write(h, head(0, 8, 1, 1, 0, 10_000));
    long tx = QueueHarness.R1 - 5; // TX straddles the two regions
    q.write(tx, counting(12));
    long rxA = alloc(7);
    long rxB = alloc(5);
    long res = alloc(1);
    int id = q.driver.addChain(new Buffer(h, 32, false), new Buffer(tx, 12, false),
        new Buffer(rxA, 7, true), new Buffer(rxB, 5, true), new Buffer(res, 1, true));
    q.driver.publish(id);
    serve();
    assertEquals(OK, q.read(res, 1)[0]);
    assertArrayEquals(counting(12), spidev.messages.getFirst().getFirst().tx());
    assertArrayEquals(counting(7), q.read(rxA, 7));
    assertArrayEquals(new byte[] {7, 8, 9, 10, 11}, q.read(rxB, 5));
  }

  @Test
  void eachRequestRunsWithItsOwnModeAndTheSpidevModeIsRestored() throws Exception {
    request(head(0, 8, 1, 1, SpiTransferHead.MODE_CPHA, 10_000), counting(2), 0);
    request(head(0, 8, 1, 1, SpiTransferHead.MODE_CPOL, 10_000), counting(2), 0);
    serve();
    assertEquals(2, spidev.messages.size(), "one message per mode run");
    assertEquals(SpiIoc.SPI_CPHA, spidev.messages.get(0).getFirst().modeDuring());
    assertEquals(SpiIoc.SPI_CPOL, spidev.messages.get(1).getFirst().modeDuring());
    assertEquals(0, spidev.currentMode());
  }

  @Test
  void moreRequestsThanOneMessageCarriesAreSplit() throws Exception {
    for (int i = 0; i < 600; i++) {
      // Indirect tables (in the second region) so 600 requests fit 1024 descriptors.
      q.driver.publish(q.driver.addIndirectChain(QueueHarness.R1 + 48L * i,
          new Buffer(QueueHarness.DATA, 32, false),
          new Buffer(QueueHarness.DATA + 32, 1, false),
          new Buffer(QueueHarness.DATA + 64, 1, true)));
    }
    q.write(QueueHarness.DATA, head(0, 8, 1, 1, 0, 10_000));
    serve();
    assertEquals(2, spidev.messages.size());
    assertEquals(511, spidev.messages.get(0).size());
    assertEquals(89, spidev.messages.get(1).size());
  }

  @Test
  void aSpidevThatCannotBeOpenedAnswersTransErr() throws Exception {
    device.queueStopped(0);
    device = new VirtioSpiDevice(FakeSpidev.DUMMY_CONFIG, () -> {
      throw new java.io.IOException("gone");
    }, new ReentrantLock());
    device.queueStarted(0, q.vq);
    Req r = request(head(0, 8, 1, 1, 0, 10_000), counting(2), 0);
    serve();
    assertEquals(TRANS_ERR, result(r));
  }

  @Test
  void theSpidevIsOpenOnlyWhileTheQueueRuns() {
    assertEquals(1, spidev.opens);
    device.queueStopped(0);
    assertTrue(spidev.closedOnce);
  }

  @Test
  void aHeadOutsideGuestMemoryIsReturnedEmptyAndTheQueueGoesOn() throws Exception {
    long res = alloc(1);
    int bad = q.driver.addChain(new Buffer(0x10_0000_0000L, 32, false), new Buffer(res, 1, true));
    q.driver.publish(bad);
    Req good = request(head(0, 8, 1, 1, 0, 10_000), counting(2), 0);
    serve();
    assertEquals(new UsedElement(bad, 0), q.used());
    assertEquals(new UsedElement(good.head(), 1), q.used());
    assertEquals(OK, result(good));
  }

  @Test
  void anEmptyQueueDoesNothing() throws Exception {
    serve();
    assertNull(q.used());
    assertTrue(spidev.requests.isEmpty());
  }

  @Test
  void advertisesTheRustFeatureWordAndLayout() {
    assertEquals(0x1_7100_0000L, device.features());
    assertEquals(45, device.deviceType());
    assertEquals(1, device.numQueues());
    assertEquals(1024, device.maxQueueSize(0));
    assertEquals(32, device.configSize());
    byte[] cfg = new byte[32];
    device.readConfig(0, cfg);
    assertArrayEquals(FakeSpidev.DUMMY_CONFIG.toBytes(), cfg);
    byte[] part = new byte[4];
    device.readConfig(12, part);
    assertArrayEquals(new byte[] {0x10, 0x27, 0, 0}, part);
  }
}
