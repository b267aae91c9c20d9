// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * virtio_video_params (120 bytes): the format of one queue of a stream, as GET_PARAMS_EXT returns
 * it and SET_PARAMS_EXT sets it.
 */
public final class Params {
  public static final int SIZE = 120;
  static final int QUEUE_TYPE = 0;
  static final int FORMAT = 4;
  static final int FRAME_WIDTH = 8;
  static final int FRAME_HEIGHT = 12;
  static final int MIN_BUFFERS = 16;
  static final int MAX_BUFFERS = 20;
  static final int CROP_LEFT = 24;
  static final int CROP_TOP = 28;
  static final int CROP_WIDTH = 32;
  static final int CROP_HEIGHT = 36;
  static final int FRAME_RATE = 40;
  static final int NUM_PLANES = 44;
  static final int PLANE_FORMATS = 48;
  static final int PLANE_FORMAT_SIZE = 8;
  static final int RESOURCE_TYPE = 112;

  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  public int queueType;
  public int format;
  public int frameWidth;
  public int frameHeight;
  public int minBuffers;
  public int maxBuffers;
  public int cropLeft;
  public int cropTop;
  public int cropWidth;
  public int cropHeight;
  public int frameRate;
  public int numPlanes;
  public final int[] planeSize = new int[VideoProtocol.MAX_PLANES];
  public final int[] stride = new int[VideoProtocol.MAX_PLANES];
  public int resourceType;

  /** Decodes the 120 bytes at {@code offset}; numPlanes is clamped by the caller's validation. */
  static Params decode(MemorySegment s, long offset) {
    Params p = new Params();
    p.queueType = s.get(U32, offset + QUEUE_TYPE);
    p.format = s.get(U32, offset + FORMAT);
    p.frameWidth = s.get(U32, offset + FRAME_WIDTH);
    p.frameHeight = s.get(U32, offset + FRAME_HEIGHT);
    p.minBuffers = s.get(U32, offset + MIN_BUFFERS);
    p.maxBuffers = s.get(U32, offset + MAX_BUFFERS);
    p.cropLeft = s.get(U32, offset + CROP_LEFT);
    p.cropTop = s.get(U32, offset + CROP_TOP);
    p.cropWidth = s.get(U32, offset + CROP_WIDTH);
    p.cropHeight = s.get(U32, offset + CROP_HEIGHT);
    p.frameRate = s.get(U32, offset + FRAME_RATE);
    p.numPlanes = s.get(U32, offset + NUM_PLANES);
    for (int i = 0; i < VideoProtocol.MAX_PLANES; i++) {
      p.planeSize[i] = s.get(U32, offset + PLANE_FORMATS + (long) i * PLANE_FORMAT_SIZE);
      p.stride[i] = s.get(U32, offset + PLANE_FORMATS + (long) i * PLANE_FORMAT_SIZE + 4);
    }
    p.resourceType = s.get(U32, offset + RESOURCE_TYPE);
    return p;
  }

  void encode(MemorySegment s, long offset) {
    s.asSlice(offset, SIZE).fill((byte) 0);
    s.set(U32, offset + QUEUE_TYPE, queueType);
    s.set(U32, offset + FORMAT, format);
    s.set(U32, offset + FRAME_WIDTH, frameWidth);
    s.set(U32, offset + FRAME_HEIGHT, frameHeight);
    s.set(U32, offset + MIN_BUFFERS, minBuffers);
    s.set(U32, offset + MAX_BUFFERS, maxBuffers);
    s.set(U32, offset + CROP_LEFT, cropLeft);
    s.set(U32, offset + CROP_TOP, cropTop);
    s.set(U32, offset + CROP_WIDTH, cropWidth);
    s.set(U32, offset + CROP_HEIGHT, cropHeight);
    s.set(U32, offset + FRAME_RATE, frameRate);
    s.set(U32, offset + NUM_PLANES, numPlanes);
    for (int i = 0; i < VideoProtocol.MAX_PLANES; i++) {
      s.set(U32, offset + PLANE_FORMATS + (long) i * PLANE_FORMAT_SIZE, planeSize[i]);
      s.set(U32, offset + PLANE_FORMATS + (long) i * PLANE_FORMAT_SIZE + 4, stride[i]);
    }
    s.set(U32, offset + RESOURCE_TYPE, resourceType);
  }
}
