// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.queue;

import java.lang.foreign.MemorySegment;

/**
 * A position in one direction (readable or writable) of a chain's pieces. Pieces of the other
 * direction are skipped wherever they are: drivers must put readable buffers first, but a device
 * that tolerates otherwise loses nothing.
 */
abstract sealed class ChainCursor permits Reader, Writer {
  private static final MemorySegment EMPTY = MemorySegment.ofArray(new byte[0]);

  private final DescriptorChain chain;
  private final boolean writable;
  private int piece;
  /** Bytes already used of the current piece. */
  private long used;
  private long remaining;
  private long consumed;

  ChainCursor(DescriptorChain chain, boolean writable) {
    this.chain = chain;
    this.writable = writable;
  }

  final void rewind(long total) {
    piece = 0;
    used = 0;
    remaining = total;
    consumed = 0;
  }

  /** Bytes left in this direction. */
  public final long remaining() {
    return remaining;
  }

  final long consumed() {
    return consumed;
  }

  /** Moves to the piece holding the next byte; false at the end. */
  private boolean settle() {
    while (piece < chain.pieceCount
        && (chain.pieceWrite[piece] != writable || used >= chain.pieceLen[piece])) {
      piece++;
      used = 0;
    }
    return piece < chain.pieceCount;
  }

  /** The rest of the current piece (not consumed); an empty segment at the end. */
  public final MemorySegment currentPiece() {
    if (!settle()) {
      return EMPTY;
    }
    return chain.pieceSeg[piece].asSlice(chain.pieceOff[piece] + used, chain.pieceLen[piece] - used);
  }

  /** Advances by {@code n} bytes (at most {@link #remaining()}). */
  public final void consume(long n) {
    if (n < 0 || n > remaining) {
      throw new IllegalArgumentException("cannot consume " + n + " of " + remaining + " bytes");
    }
    long left = n;
    while (left > 0) {
      settle();
      long step = Math.min(left, chain.pieceLen[piece] - used);
      used += step;
      left -= step;
    }
    remaining -= n;
    consumed += n;
  }

  /** Skips {@code n} bytes. */
  public final void skip(long n) throws ChainTooShortException {
    require(n);
    consume(n);
  }

  final void require(long n) throws ChainTooShortException {
    if (n > remaining) {
      throw new ChainTooShortException(n, remaining);
    }
  }

  /**
   * Copies between the chain and {@code other} starting at {@code otherOffset}; toChain selects
   * the direction. Returns the number of bytes moved (min of both sides).
   */
  final long transfer(MemorySegment other, long otherOffset, long length, boolean toChain) {
    long n = Math.min(length, remaining);
    long done = 0;
    while (done < n) {
      settle();
      long step = Math.min(n - done, chain.pieceLen[piece] - used);
      MemorySegment seg = chain.pieceSeg[piece];
      long segOff = chain.pieceOff[piece] + used;
      if (toChain) {
        MemorySegment.copy(other, otherOffset + done, seg, segOff, step);
      } else {
        MemorySegment.copy(seg, segOff, other, otherOffset + done, step);
      }
      used += step;
      done += step;
    }
    remaining -= n;
    consumed += n;
    return n;
  }

  /** The segment and offset of the next {@code width} bytes if they sit in one piece, else null. */
  final MemorySegment contiguous(int width) {
    if (!settle() || chain.pieceLen[piece] - used < width) {
      return null;
    }
    return chain.pieceSeg[piece];
  }

  final long contiguousOffset() {
    return chain.pieceOff[piece] + used;
  }

  final void advanceContiguous(int width) {
    used += width;
    remaining -= width;
    consumed += width;
  }
}
