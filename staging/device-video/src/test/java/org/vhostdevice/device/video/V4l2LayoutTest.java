// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The videodev2.h constants against what gcc reports for {@code sizeof}, {@code offsetof} and the
 * VIDIOC_* macros on x86_64 (Linux uapi headers; values recorded from a compiled probe).
 */
class V4l2LayoutTest {
  private static final int R = 2;
  private static final int W = 1;
  private static final int RW = 3;

  @Test
  void ioctlNumbersMatchTheHeader() {
    assertEquals(0x80685600, V4l2.VIDIOC_QUERYCAP);
    assertEquals(0xc0405602, V4l2.VIDIOC_ENUM_FMT);
    assertEquals(0xc0d05604, V4l2.VIDIOC_G_FMT);
    assertEquals(0xc0d05605, V4l2.VIDIOC_S_FMT);
    assertEquals(0xc0145608, V4l2.VIDIOC_REQBUFS);
    assertEquals(0xc058560f, V4l2.VIDIOC_QBUF);
    assertEquals(0xc0585611, V4l2.VIDIOC_DQBUF);
    assertEquals(0x40045612, V4l2.VIDIOC_STREAMON);
    assertEquals(0x40045613, V4l2.VIDIOC_STREAMOFF);
    assertEquals(0xc0445624, V4l2.VIDIOC_QUERYCTRL);
    assertEquals(0xc02c564a, V4l2.VIDIOC_ENUM_FRAMESIZES);
    assertEquals(0xc034564b, V4l2.VIDIOC_ENUM_FRAMEINTERVALS);
    assertEquals(0x80885659, V4l2.VIDIOC_DQEVENT);
    assertEquals(0x4020565a, V4l2.VIDIOC_SUBSCRIBE_EVENT);
    assertEquals(0xc040565e, V4l2.VIDIOC_G_SELECTION);
    assertEquals(0xc0485660, V4l2.VIDIOC_DECODER_CMD);
  }

  @Test
  void ioctlNumbersAgreeWithTheStructSizes() {
    assertEquals(V4l2.VIDIOC_QUERYCAP, V4l2.ioc(R, 0, V4l2.CAPABILITY_SIZE));
    assertEquals(V4l2.VIDIOC_ENUM_FMT, V4l2.ioc(RW, 2, V4l2.FMTDESC_SIZE));
    assertEquals(V4l2.VIDIOC_S_FMT, V4l2.ioc(RW, 5, V4l2.FORMAT_SIZE));
    assertEquals(V4l2.VIDIOC_REQBUFS, V4l2.ioc(RW, 8, V4l2.REQBUFS_SIZE));
    assertEquals(V4l2.VIDIOC_QBUF, V4l2.ioc(RW, 15, V4l2.BUFFER_SIZE));
    assertEquals(V4l2.VIDIOC_STREAMON, V4l2.ioc(W, 18, 4));
    assertEquals(V4l2.VIDIOC_QUERYCTRL, V4l2.ioc(RW, 36, V4l2.QUERYCTRL_SIZE));
    assertEquals(V4l2.VIDIOC_ENUM_FRAMESIZES, V4l2.ioc(RW, 74, V4l2.FRMSIZE_SIZE));
    assertEquals(V4l2.VIDIOC_ENUM_FRAMEINTERVALS, V4l2.ioc(RW, 75, V4l2.FRMIVAL_SIZE));
    assertEquals(V4l2.VIDIOC_DQEVENT, V4l2.ioc(R, 89, V4l2.EVENT_SIZE));
    assertEquals(V4l2.VIDIOC_SUBSCRIBE_EVENT, V4l2.ioc(W, 90, V4l2.EVENT_SUBSCRIPTION_SIZE));
    assertEquals(V4l2.VIDIOC_G_SELECTION, V4l2.ioc(RW, 94, V4l2.SELECTION_SIZE));
    assertEquals(V4l2.VIDIOC_DECODER_CMD, V4l2.ioc(RW, 96, V4l2.DECODER_CMD_SIZE));
  }

  @Test
  void structOffsetsMatchTheHeader() {
    assertEquals(84, V4l2.CAP_CAPABILITIES);
    assertEquals(88, V4l2.CAP_DEVICE_CAPS);
    assertEquals(44, V4l2.FMTDESC_PIXELFORMAT);
    assertEquals(8, V4l2.FRMSIZE_TYPE);
    assertEquals(12, V4l2.FRMSIZE_UNION);
    assertEquals(8, V4l2.FRMIVAL_WIDTH);
    assertEquals(16, V4l2.FRMIVAL_TYPE);
    assertEquals(20, V4l2.FRMIVAL_UNION);
    assertEquals(8, V4l2.FORMAT_FMT);
    assertEquals(192, V4l2.PIX_MP_SIZE);
    assertEquals(20, V4l2.PIX_MP_PLANE_FMT);
    assertEquals(20, V4l2.PLANE_PIX_FORMAT_SIZE);
    assertEquals(180, V4l2.PIX_MP_NUM_PLANES);
    assertEquals(12, V4l2.SELECTION_RECT);
    assertEquals(8, V4l2.REQBUFS_MEMORY);
    assertEquals(24, V4l2.BUFFER_TIMESTAMP);
    assertEquals(56, V4l2.BUFFER_SEQUENCE);
    assertEquals(60, V4l2.BUFFER_MEMORY);
    assertEquals(64, V4l2.BUFFER_M);
    assertEquals(72, V4l2.BUFFER_LENGTH);
    assertEquals(64, V4l2.PLANE_SIZE);
    assertEquals(8, V4l2.PLANE_M);
    assertEquals(16, V4l2.PLANE_DATA_OFFSET);
    assertEquals(72, V4l2.EVENT_PENDING);
    assertEquals(52, V4l2.QUERYCTRL_DEFAULT);
  }

  @Test
  void fourccsAndFlagsMatchTheHeader() {
    assertEquals(0x34325241, V4l2.PIX_FMT_ABGR32);
    assertEquals(0x3231564e, V4l2.PIX_FMT_NV12);
    assertEquals(0x54485746, V4l2.PIX_FMT_FWHT);
    assertEquals(0x34363248, V4l2.PIX_FMT_H264);
    assertEquals(0x100000, V4l2.BUF_FLAG_LAST);
    assertEquals(0x40, V4l2.BUF_FLAG_ERROR);
    assertEquals(0x9909e5, V4l2.CID_MPEG_VIDEO_FORCE_KEY_FRAME);
    assertEquals(0x990b84, V4l2.CID_MPEG_VIDEO_PREPEND_SPSPPS_TO_IDR);
  }

  @Test
  void formatMappingFollowsTheRustDaemon() {
    assertEquals(VideoProtocol.FORMAT_ARGB8888, V4l2.toVirtio(V4l2.PIX_FMT_ABGR32));
    assertEquals(VideoProtocol.FORMAT_YUV420, V4l2.toVirtio(V4l2.fourcc("YU12")));
    assertEquals(VideoProtocol.FORMAT_YVU420, V4l2.toVirtio(V4l2.fourcc("YV12")));
    assertEquals(0, V4l2.toVirtio(V4l2.fourcc("RGGB")));
    assertEquals(V4l2.PIX_FMT_FWHT, V4l2.toFourcc(VideoProtocol.FORMAT_FWHT));
    assertEquals(0, V4l2.toFourcc(VideoProtocol.FORMAT_BGRA8888));
  }
}
