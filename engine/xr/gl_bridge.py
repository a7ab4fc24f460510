"""OpenGL glue between Panda3D's context and the runtime's swapchains (PyOpenGL).

Panda3D keeps its GL context current between frames (single-threaded pipeline), so the OpenXR
session is created on that very context: through EGL (``XR_MNDX_egl_enable``) when Panda3D renders
headless, or through GLX/Xlib (``XR_KHR_opengl_enable``) when it has an X window. Each frame the
eye textures Panda3D rendered are blitted into the acquired swapchain images, GPU to GPU.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.xr.runtime import XrUnavailable

__all__ = [
    "GraphicsBinding",
    "SwapchainTarget",
    "choose_swapchain_format",
    "current_egl_binding",
    "current_glx_binding",
]

GL_RGBA8 = 0x8058
GL_SRGB8_ALPHA8 = 0x8C43
GL_RGB10_A2 = 0x8059
GL_RGBA16F = 0x881A
GL_SRGB8 = 0x8C41

# Preference order: sRGB with alpha first (runtimes reject GL_SRGB8 unless alpha bits are
# asked for; see the panda3d-openxr defect list in issue 4), then plain 8-bit RGBA.
FORMAT_PREFERENCE = (GL_SRGB8_ALPHA8, GL_RGBA8, GL_RGB10_A2, GL_RGBA16F)
FORMAT_NAMES = {
    GL_RGBA8: "GL_RGBA8",
    GL_SRGB8_ALPHA8: "GL_SRGB8_ALPHA8",
    GL_RGB10_A2: "GL_RGB10_A2",
    GL_RGBA16F: "GL_RGBA16F",
    GL_SRGB8: "GL_SRGB8",
}


def choose_swapchain_format(offered: Sequence[int]) -> int:
    """The first of our preferred colour formats that the runtime lists (pure)."""
    for wanted in FORMAT_PREFERENCE:
        if wanted in offered:
            return wanted
    names = ", ".join(FORMAT_NAMES.get(value, hex(value)) for value in offered) or "none"
    raise XrUnavailable(f"the OpenXR runtime offers no usable OpenGL colour format ({names})")


@dataclass
class GraphicsBinding:
    kind: str  # "egl" or "glx"
    struct: Any  # kept alive while the session exists
    pointer: ctypes.c_void_p
    extension: str


def current_egl_binding() -> GraphicsBinding:
    """An ``XrGraphicsBindingEGLMNDX`` for the EGL context that is current on this thread."""
    import xr
    from OpenGL import EGL

    display = EGL.eglGetCurrentDisplay()
    context = EGL.eglGetCurrentContext()
    if not display or not context:
        raise XrUnavailable("no current EGL context to share with the OpenXR runtime")
    config_id = EGL.EGLint()
    EGL.eglQueryContext(display, context, EGL.EGL_CONFIG_ID, ctypes.byref(config_id))
    configs = (EGL.EGLConfig * 1)()
    count = EGL.EGLint()
    EGL.eglChooseConfig(
        display, [EGL.EGL_CONFIG_ID, config_id.value, EGL.EGL_NONE], configs, 1, count
    )
    binding = xr.GraphicsBindingEGLMNDX()
    binding.display = display
    binding.context = context
    binding.config = configs[0] if count.value else None
    binding.get_proc_address = ctypes.cast(
        EGL.eglGetProcAddress.load(), xr.PFN_xrEglGetProcAddressMNDX
    )
    pointer = ctypes.cast(ctypes.pointer(binding), ctypes.c_void_p)
    return GraphicsBinding("egl", binding, pointer, "XR_MNDX_egl_enable")


def current_glx_binding() -> GraphicsBinding:
    """An ``XrGraphicsBindingOpenGLXlibKHR`` for the GLX context current on this thread."""
    import xr
    from OpenGL import GLX

    display = GLX.glXGetCurrentDisplay()
    context = GLX.glXGetCurrentContext()
    drawable = GLX.glXGetCurrentDrawable()
    if not display or not context:
        raise XrUnavailable("no current GLX context to share with the OpenXR runtime")
    config_id = ctypes.c_int()
    GLX.glXQueryContext(display, context, GLX.GLX_FBCONFIG_ID, ctypes.byref(config_id))
    count = ctypes.c_int()
    configs = GLX.glXChooseFBConfig(
        display, 0, (ctypes.c_int * 3)(GLX.GLX_FBCONFIG_ID, config_id.value, 0), ctypes.byref(count)
    )
    if not count.value:
        raise XrUnavailable("the GLX context's framebuffer configuration was not found")
    visual = GLX.glXGetVisualFromFBConfig(display, configs[0])
    binding = xr.GraphicsBindingOpenGLXlibKHR(
        x_display=display,
        visualid=visual.contents.visualid if visual else 0,
        glx_fbconfig=configs[0],
        glx_drawable=drawable,
        glx_context=context,
    )
    pointer = ctypes.cast(ctypes.pointer(binding), ctypes.c_void_p)
    return GraphicsBinding("glx", binding, pointer, "XR_KHR_opengl_enable")


@dataclass
class SwapchainTarget:
    """One eye's swapchain and the framebuffer objects used to blit into its images."""

    swapchain: Any
    images: list[int]
    width: int
    height: int
    format: int
    _read_fbo: int = 0
    _draw_fbo: int = 0
    acquired: int | None = None
    last_pixels: Any = field(default=None, repr=False)

    @classmethod
    def create(cls, session: Any, width: int, height: int, color_format: int) -> SwapchainTarget:
        import xr
        from OpenGL import GL

        swapchain = xr.create_swapchain(
            session,
            xr.SwapchainCreateInfo(
                usage_flags=xr.SwapchainUsageFlags.COLOR_ATTACHMENT_BIT
                | xr.SwapchainUsageFlags.TRANSFER_DST_BIT,
                format=color_format,
                sample_count=1,
                width=width,
                height=height,
                face_count=1,
                array_size=1,
                mip_count=1,
            ),
        )
        images = [
            int(image.image)
            for image in xr.enumerate_swapchain_images(swapchain, xr.SwapchainImageOpenGLKHR)
        ]
        read_fbo, draw_fbo = (int(value) for value in GL.glGenFramebuffers(2))
        return cls(swapchain, images, width, height, color_format, read_fbo, draw_fbo)

    def blit(self, texture_id: int, source_size: tuple[int, int], read_back: bool) -> float:
        """Acquire an image, copy Panda3D's eye texture into it, optionally read it back,
        release it. Restores the GL bindings Panda3D tracks. Returns the seconds spent inside
        the runtime's acquire/wait/release calls."""
        import xr
        from OpenGL import GL

        started = time.perf_counter()
        index = xr.acquire_swapchain_image(self.swapchain, xr.SwapchainImageAcquireInfo())
        xr.wait_swapchain_image(
            self.swapchain, xr.SwapchainImageWaitInfo(timeout=xr.INFINITE_DURATION)
        )
        self.acquired = index
        in_runtime = time.perf_counter() - started
        previous_read = GL.glGetIntegerv(GL.GL_READ_FRAMEBUFFER_BINDING)
        previous_draw = GL.glGetIntegerv(GL.GL_DRAW_FRAMEBUFFER_BINDING)
        srgb_was_on = GL.glIsEnabled(GL.GL_FRAMEBUFFER_SRGB)
        scissor_was_on = GL.glIsEnabled(GL.GL_SCISSOR_TEST)
        try:
            # Panda3D wrote display-ready values: copy them as they are (no sRGB re-encoding).
            GL.glDisable(GL.GL_FRAMEBUFFER_SRGB)
            GL.glDisable(GL.GL_SCISSOR_TEST)
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self._read_fbo)
            GL.glFramebufferTexture2D(
                GL.GL_READ_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_TEXTURE_2D, texture_id, 0
            )
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, self._draw_fbo)
            GL.glFramebufferTexture2D(
                GL.GL_DRAW_FRAMEBUFFER,
                GL.GL_COLOR_ATTACHMENT0,
                GL.GL_TEXTURE_2D,
                self.images[index],
                0,
            )
            GL.glBlitFramebuffer(
                0,
                0,
                source_size[0],
                source_size[1],
                0,
                0,
                self.width,
                self.height,
                GL.GL_COLOR_BUFFER_BIT,
                GL.GL_LINEAR,
            )
            if read_back:
                self.last_pixels = self._read_image(index)
        finally:
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, int(previous_read))
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, int(previous_draw))
            if srgb_was_on:
                GL.glEnable(GL.GL_FRAMEBUFFER_SRGB)
            if scissor_was_on:
                GL.glEnable(GL.GL_SCISSOR_TEST)
            released = time.perf_counter()
            xr.release_swapchain_image(self.swapchain, xr.SwapchainImageReleaseInfo())
            in_runtime += time.perf_counter() - released
            self.acquired = None
        return in_runtime

    def _read_image(self, index: int) -> Any:
        """The swapchain image's pixels as a (height, width, 4) uint8 array, top row first."""
        import numpy
        from OpenGL import GL

        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self._draw_fbo)
        GL.glReadBuffer(GL.GL_COLOR_ATTACHMENT0)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
        raw = GL.glReadPixels(0, 0, self.width, self.height, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE)
        pixels = numpy.frombuffer(raw, dtype=numpy.uint8).reshape(self.height, self.width, 4)
        return pixels[::-1].copy()

    def destroy(self) -> None:
        import xr
        from OpenGL import GL

        GL.glDeleteFramebuffers(2, [self._read_fbo, self._draw_fbo])
        xr.destroy_swapchain(self.swapchain)
