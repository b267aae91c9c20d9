// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.can;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostdevice.device.can.VirtioCan.VIRTIO_CAN_FLAGS_EXTENDED;
import static org.vhostdevice.device.can.VirtioCan.VIRTIO_CAN_FLAGS_FD;
import static org.vhostdevice.device.can.VirtioCan.VIRTIO_CAN_FLAGS_RTR;
import static org.vhostdevice.device.can.VirtioCan.VIRTIO_CAN_TX;

import org.junit.jupiter.api.Test;

/** Rust's check_tx_frame / check_rx_frame tests (spec 7.8), on the 1.4 feature numbering. */
class VirtioCanFramesTest {
  private static final long CLASSIC = 1L << VirtioCan.F_CAN_CLASSIC;
  private static final long FD = 1L << VirtioCan.F_CAN_FD;
  private static final long RTR = 1L << VirtioCan.F_RTR_FRAMES;
  private final CanFrame out = new CanFrame();

  private String tx(int type, int flags, int id, int len, long acked) {
    return VirtioCanFrames.checkTx(type, flags, id, len, acked, out);
  }

  @Test
  void theFeatureBitsFollowVirtio14() {
    assertEquals(0, VirtioCan.F_CAN_CLASSIC);
    assertEquals(1, VirtioCan.F_CAN_FD);
    assertEquals(2, VirtioCan.F_RTR_FRAMES);
    assertEquals(3, VirtioCan.F_LATE_TX_ACK);
  }

  @Test
  void anUnknownMessageTypeIsRefused() {
    assertEquals(VirtioCanFrames.UNKNOWN_TYPE, tx(0x0101, 0, 1, 4, CLASSIC));
  }

  @Test
  void classicLengthsUpTo8AreValid() {
    assertNull(tx(VIRTIO_CAN_TX, 0, 0x123, 4, CLASSIC));
    assertEquals(0x123, out.canId);
    assertEquals(4, out.len);
    assertTrue(!out.fd);
    assertEquals(VirtioCanFrames.BAD_LENGTH, tx(VIRTIO_CAN_TX, 0, 0x123, 40, CLASSIC));
  }

  @Test
  void classicFramesNeedClassicNegotiated() {
    assertEquals(VirtioCanFrames.CLASSIC_NOT_NEGOTIATED, tx(VIRTIO_CAN_TX, 0, 1, 4, FD));
  }

  @Test
  void fdFramesNeedFdNegotiated() {
    assertEquals(VirtioCanFrames.FD_NOT_NEGOTIATED,
        tx(VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_FD, 1, 12, CLASSIC));
  }

  @Test
  void fdLengthsMustBeValidDlcLengths() {
    assertNull(tx(VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_FD, 1, 12, FD));
    assertTrue(out.fd);
    assertEquals(VirtioCanFrames.BAD_LENGTH, tx(VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_FD, 1, 40, FD));
    assertNull(tx(VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_FD, 1, 48, FD));
    assertEquals(VirtioCanFrames.BAD_LENGTH, tx(VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_FD, 1, 80, FD));
  }

  @Test
  void undefinedFlagBitsAreRefused() {
    assertEquals(VirtioCanFrames.BAD_FLAGS, tx(VIRTIO_CAN_TX, 0x2, 1, 4, CLASSIC));
  }

  @Test
  void rtrNeedsClassicAndRtrNegotiated() {
    assertEquals(VirtioCanFrames.RTR_NOT_NEGOTIATED,
        tx(VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_RTR, 1, 0, CLASSIC));
    assertEquals(VirtioCanFrames.RTR_NOT_NEGOTIATED,
        tx(VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_RTR, 1, 0, RTR));
    assertNull(tx(VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_RTR, 1, 0, CLASSIC | RTR));
    assertEquals(1 | CanFrame.CAN_RTR_FLAG, out.canId);
  }

  @Test
  void lateTxAckIsNotTheRtrBit() {
    long lateTxAck = 1L << VirtioCan.F_LATE_TX_ACK;
    assertEquals(VirtioCanFrames.RTR_NOT_NEGOTIATED,
        tx(VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_RTR, 1, 0, CLASSIC | lateTxAck));
  }

  @Test
  void rtrIsClassicOnly() {
    assertEquals(VirtioCanFrames.RTR_WITH_FD,
        tx(VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_RTR | VIRTIO_CAN_FLAGS_FD, 1, 0, CLASSIC | RTR | FD));
  }

  @Test
  void idsMustFitTheirFormat() {
    assertEquals(VirtioCanFrames.ID_TOO_BIG_29,
        tx(VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_EXTENDED, 0x2000_0000, 4, CLASSIC));
    assertEquals(VirtioCanFrames.ID_TOO_BIG_11, tx(VIRTIO_CAN_TX, 0, 0x800, 4, CLASSIC));
    assertNull(tx(VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_EXTENDED, 0x1FFF_FFFF, 4, CLASSIC));
    assertEquals(0x1FFF_FFFF | CanFrame.CAN_EFF_FLAG, out.canId);
  }

  private static int rx(CanFrame f, long acked) {
    return VirtioCanFrames.rxFlags(f, acked);
  }

  @Test
  void receivedClassicFramesNeedClassic() {
    CanFrame f = FakeCanBus.frame(0x12, false, new byte[4]);
    assertEquals(0, rx(f, CLASSIC));
    assertEquals(VirtioCanFrames.DROP_CLASSIC_NOT_NEGOTIATED, rx(f, FD));
  }

  @Test
  void receivedFdFramesNeedFdAndValidLengths() {
    assertEquals(VIRTIO_CAN_FLAGS_FD, rx(FakeCanBus.frame(0x12, true, new byte[12]), FD));
    assertEquals(VirtioCanFrames.DROP_FD_NOT_NEGOTIATED,
        rx(FakeCanBus.frame(0x12, true, new byte[12]), CLASSIC));
    assertEquals(VirtioCanFrames.DROP_BAD_LENGTH,
        rx(FakeCanBus.frame(0x12, true, new byte[13]), FD));
  }

  @Test
  void anFdFrameOfUpTo8BytesIsStillFdWhateverTheInterfaceName() {
    assertEquals(VIRTIO_CAN_FLAGS_FD, rx(FakeCanBus.frame(1, true, new byte[8]), FD | CLASSIC));
  }

  @Test
  void extendedIdsAreMaskedTo29BitsWithTheFlag() {
    CanFrame f = FakeCanBus.frame(CanFrame.CAN_EFF_FLAG | 0x1234567, false, new byte[1]);
    assertEquals(VIRTIO_CAN_FLAGS_EXTENDED, rx(f, CLASSIC));
    assertEquals(0x1234567, VirtioCanFrames.rxId(f));
  }

  @Test
  void standardIdsAreMaskedTo11Bits() {
    assertEquals(0x7FF, VirtioCanFrames.rxId(FakeCanBus.frame(0xFFFF, false)));
  }

  @Test
  void receivedRtrFramesNeedRtrNegotiated() {
    CanFrame f = FakeCanBus.frame(CanFrame.CAN_RTR_FLAG | 5, false);
    assertEquals(VirtioCanFrames.DROP_RTR_NOT_NEGOTIATED, rx(f, CLASSIC));
    assertEquals(VIRTIO_CAN_FLAGS_RTR, rx(f, CLASSIC | RTR));
  }
}
