// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.vsock;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * struct virtio_vsock_hdr (44 bytes, little-endian) held in a private native buffer: a TX header
 * is copied here once before it is looked at (the guest may change its copy meanwhile), an RX
 * header is built here and copied into the guest buffer.
 */
final class PacketHeader {
  static final int SIZE = 44;
  static final int SRC_CID = 0;
  static final int DST_CID = 8;
  static final int SRC_PORT = 16;
  static final int DST_PORT = 20;
  static final int LEN = 24;
  static final int TYPE = 28;
  static final int OP = 30;
  static final int FLAGS = 32;
  static final int BUF_ALLOC = 36;
  static final int FWD_CNT = 40;

  static final int TYPE_STREAM = 1;

  static final int OP_INVALID = 0;
  static final int OP_REQUEST = 1;
  static final int OP_RESPONSE = 2;
  static final int OP_RST = 3;
  static final int OP_SHUTDOWN = 4;
  static final int OP_RW = 5;
  static final int OP_CREDIT_UPDATE = 6;
  static final int OP_CREDIT_REQUEST = 7;

  /** SHUTDOWN flags, from the sender's point of view. */
  static final int SHUTDOWN_RCV = 1;
  static final int SHUTDOWN_SEND = 2;
  static final int SHUTDOWN_BOTH = SHUTDOWN_RCV | SHUTDOWN_SEND;

  static final long HOST_CID = 2;

  private static final java.lang.foreign.ValueLayout.OfLong U64 =
      JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final java.lang.foreign.ValueLayout.OfInt U32 =
      JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final java.lang.foreign.ValueLayout.OfShort U16 =
      JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  final MemorySegment bytes;

  PacketHeader() {
    bytes = Arena.ofAuto().allocate(SIZE, 8);
  }

  void clear() {
    bytes.fill((byte) 0);
  }

  long srcCid() {
    return bytes.get(U64, SRC_CID);
  }

  long dstCid() {
    return bytes.get(U64, DST_CID);
  }

  int srcPort() {
    return bytes.get(U32, SRC_PORT);
  }

  int dstPort() {
    return bytes.get(U32, DST_PORT);
  }

  /** Payload length as an unsigned value. */
  long len() {
    return Integer.toUnsignedLong(bytes.get(U32, LEN));
  }

  int type() {
    return bytes.get(U16, TYPE) & 0xFFFF;
  }

  int op() {
    return bytes.get(U16, OP) & 0xFFFF;
  }

  int flags() {
    return bytes.get(U32, FLAGS);
  }

  int bufAlloc() {
    return bytes.get(U32, BUF_ALLOC);
  }

  int fwdCnt() {
    return bytes.get(U32, FWD_CNT);
  }

  PacketHeader src(long cid, int port) {
    bytes.set(U64, SRC_CID, cid);
    bytes.set(U32, SRC_PORT, port);
    return this;
  }

  PacketHeader dst(long cid, int port) {
    bytes.set(U64, DST_CID, cid);
    bytes.set(U32, DST_PORT, port);
    return this;
  }

  PacketHeader len(int len) {
    bytes.set(U32, LEN, len);
    return this;
  }

  PacketHeader type(int type) {
    bytes.set(U16, TYPE, (short) type);
    return this;
  }

  PacketHeader op(int op) {
    bytes.set(U16, OP, (short) op);
    return this;
  }

  PacketHeader flags(int flags) {
    bytes.set(U32, FLAGS, flags);
    return this;
  }

  PacketHeader credit(int bufAlloc, int fwdCnt) {
    bytes.set(U32, BUF_ALLOC, bufAlloc);
    bytes.set(U32, FWD_CNT, fwdCnt);
    return this;
  }

  static String opName(int op) {
    return switch (op) {
      case OP_REQUEST -> "REQUEST";
      case OP_RESPONSE -> "RESPONSE";
      case OP_RST -> "RST";
      case OP_SHUTDOWN -> "SHUTDOWN";
      case OP_RW -> "RW";
      case OP_CREDIT_UPDATE -> "CREDIT_UPDATE";
      case OP_CREDIT_REQUEST -> "CREDIT_REQUEST";
      default -> "op " + op;
    };
  }
}
