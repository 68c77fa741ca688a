"""The everyday edits of the robustness benchmark, built on AugLy: 48 named families.

Why AugLy: it is the augmentation library Meta used to build the Image Similarity
Challenge (DISC21), so its edits are the reposting edits copy detection is measured
on; it installs offline from PyPI (``augly==1.0.0``, bundled fonts, emoji and screenshot
templates). Two of its functions need small shims on today's Pillow and numpy
(:func:`_shim`): ``meme_format`` calls ``FreeTypeFont.getsize_multiline`` (gone in
Pillow 10) and ``perspective_transform`` uses ``np.float`` (gone in numpy 1.24). The
families AugLy does not have (multi-image collages, a photo of a screen, a blurred
"story" frame, an app screenshot) are composed here from AugLy steps and Pillow.

Each family is one function ``(image, rng, others) -> image`` whose parameters are drawn
from ``rng``, seeded per (family, photo): every run edits every photo the same way, and
each photo gets its own intensity within the family's everyday range. ``others`` are other
corpus photos (collage tiles, backgrounds).

**The split** (:func:`split`): a family is *held out* when the first byte of the SHA-256
of its name is odd, else it is *tuning*. The split depends on nothing but the name, so
adding a family never moves another; tuning runs (``SHIELDWALL_BENCH_SPLIT=tuning``)
never compute the held-out families.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

Transform = Callable[[Image.Image, np.random.Generator, Sequence[Image.Image]], Image.Image]


def _shim() -> None:
    """Let AugLy 1.0.0 run on Pillow >= 10 and numpy >= 1.24 (see the module docstring)."""
    if not hasattr(np, "float"):
        np.float = float  # type: ignore[attr-defined]
    if not hasattr(ImageFont.FreeTypeFont, "getsize_multiline"):

        def getsize_multiline(
            font: ImageFont.FreeTypeFont, text: str, **_: object
        ) -> tuple[int, int]:
            box = ImageDraw.Draw(Image.new("L", (1, 1))).multiline_textbbox((0, 0), text, font=font)
            return box[2] - box[0], box[3] - box[1]

        ImageFont.FreeTypeFont.getsize_multiline = getsize_multiline  # type: ignore[attr-defined]


_shim()
import augly.image.functional as F  # noqa: E402

ASSETS = Path(F.__file__).resolve().parent.parent / "assets"
EMOJI = sorted((ASSETS / "twemojis").rglob("*.png"))
FONTS = [
    p for p in sorted((ASSETS / "fonts").glob("*.ttf")) if "Noto" not in p.name or "Sans" in p.name
]
CAPTIONS = (
    "when the weekend finally arrives",
    "me explaining my plans",
    "nobody: absolutely nobody:",
    "best day ever",
    "monday mood",
)


def _rgb(im: Image.Image) -> Image.Image:
    if im.mode == "RGBA":
        canvas = Image.new("RGB", im.size, (255, 255, 255))
        canvas.paste(im, mask=im.split()[3])
        return canvas
    return im.convert("RGB")


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    return tuple(int(c) for c in rng.integers(0, 256, 3))  # type: ignore[return-value]


def _plain(rng: np.random.Generator) -> tuple[int, int, int]:
    choices = [(0, 0, 0), (255, 255, 255), (20, 20, 20), (245, 245, 245), _colour(rng)]
    return choices[int(rng.integers(len(choices)))]


def _jpeg(im: Image.Image, quality: int) -> Image.Image:
    out = io.BytesIO()
    _rgb(im).save(out, "JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.truetype(str(FONTS[size % len(FONTS)]), max(8, size))


# -- aspect ratio, frames, padding ------------------------------------------------------------


def aspect_ratio(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.change_aspect_ratio(im, ratio=_u(rng, 0.6, 1.7))


def pad_colour(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    w, h = _u(rng, 0.03, 0.3), _u(rng, 0.03, 0.3)
    return F.pad(im, w_factor=w, h_factor=h, color=_plain(rng))


def pad_square(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.pad_square(im, color=_plain(rng))


def letterbox_16_9(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    """The photo centred on a 16:9 (landscape photo) or 9:16 (portrait) black canvas."""
    ratio = 16 / 9 if im.width >= im.height else 9 / 16
    w = max(im.width, round(im.height * ratio))
    h = max(im.height, round(im.width / ratio))
    canvas = Image.new("RGB", (w, h), (0, 0, 0))
    canvas.paste(im, ((w - im.width) // 2, (h - im.height) // 2))
    return canvas


def story_frame(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    """A 9:16 "story": the photo over a blurred, enlarged copy of itself."""
    h = round(max(im.height, im.width * 16 / 9))
    w = round(h * 9 / 16)
    bg = ImageOps.fit(im, (w, h)).filter(ImageFilter.GaussianBlur(_u(rng, 15, 40)))
    scale = min(w / im.width, h / im.height) * _u(rng, 0.85, 1.0)
    small = im.resize((round(im.width * scale), round(im.height * scale)))
    bg.paste(small, ((w - small.width) // 2, (h - small.height) // 2))
    return bg


def web_screenshot(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    templates = sorted((ASSETS / "screenshot_templates").glob("*.png"))
    template = templates[int(rng.integers(len(templates)))]
    return F.overlay_onto_screenshot(im, template_filepath=str(template))


def app_screenshot(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    """The picture inside a phone-app-like frame: status bar, user line, buttons, likes."""
    width = round(im.width / _u(rng, 0.85, 1.0))
    bar, below = round(width * _u(rng, 0.08, 0.16)), round(width * _u(rng, 0.15, 0.35))
    canvas = Image.new("RGB", (width, bar + im.height + below), _plain(rng))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, width, bar * 0.4), fill=(30, 30, 30))
    ink = (128, 128, 128)
    draw.text((width * 0.04, bar * 0.5), "demo_user  ·  2h", fill=ink, font=_font(round(bar * 0.3)))
    canvas.paste(im, ((width - im.width) // 2, bar))
    y = bar + im.height + below * 0.1
    for i in range(4):
        box = (width * (0.04 + 0.1 * i), y, width * (0.1 + 0.1 * i), y + width * 0.06)
        draw.ellipse(box, outline=ink, width=3)
    draw.text((width * 0.04, y + below * 0.5), "liked by 42 others", fill=ink, font=_font(20))
    return canvas


def on_background(
    im: Image.Image, rng: np.random.Generator, others: Sequence[Image.Image]
) -> Image.Image:
    """The photo pasted large over another photo (a repost "on top of" a wallpaper)."""
    size = _u(rng, 0.7, 0.9)
    x, y = _u(rng, 0.0, 1 - size), _u(rng, 0.0, 1 - size)
    bg = others[0].resize(im.size)
    return F.overlay_onto_background_image(im, bg, overlay_size=size, x_pos=x, y_pos=y)


# -- crops ------------------------------------------------------------------------------------


def crop_center(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    m = _u(rng, 0.03, 0.12)
    return F.crop(im, x1=m, y1=m, x2=1 - m, y2=1 - m)


def crop_one_side(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    c = _u(rng, 0.05, 0.25)
    side = int(rng.integers(4))
    box = [(c, 0, 1, 1), (0, c, 1, 1), (0, 0, 1 - c, 1), (0, 0, 1, 1 - c)][side]
    return F.crop(im, x1=box[0], y1=box[1], x2=box[2], y2=box[3])


def crop_off_center(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    keep = _u(rng, 0.75, 0.92)
    x, y = _u(rng, 0, 1 - keep), _u(rng, 0, 1 - keep)
    return F.crop(im, x1=x, y1=y, x2=x + keep, y2=y + keep)


def crop_to_square(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    """A feed's square crop of a landscape or portrait photo, roughly centred."""
    side = min(im.size)
    off = (max(im.size) - side) * _u(rng, 0.3, 0.7)
    box = (off, 0, off + side, side) if im.width > im.height else (0, off, side, off + side)
    return im.crop(tuple(round(v) for v in box))


# -- multi-image posts ------------------------------------------------------------------------


def _grid(
    im: Image.Image, rng: np.random.Generator, others: Sequence[Image.Image], rows: int, cols: int
) -> Image.Image:
    tile_w = round(im.width * _u(rng, 0.5, 0.8))
    tile_h = round(tile_w * im.height / im.width)
    gutter = round(tile_w * [0.0, 0.01, 0.03][int(rng.integers(3))])
    where = int(rng.integers(rows * cols))
    canvas = Image.new(
        "RGB",
        (cols * tile_w + (cols + 1) * gutter, rows * tile_h + (rows + 1) * gutter),
        (255, 255, 255) if rng.random() < 0.7 else (0, 0, 0),
    )
    pool = list(others)
    for k in range(rows * cols):
        tile = im if k == where else ImageOps.fit(pool[k % len(pool)], (tile_w, tile_h))
        tile = tile.resize((tile_w, tile_h))
        r, c = divmod(k, cols)
        canvas.paste(tile, (gutter + c * (tile_w + gutter), gutter + r * (tile_h + gutter)))
    return canvas


def collage_side_by_side(
    im: Image.Image, rng: np.random.Generator, others: Sequence[Image.Image]
) -> Image.Image:
    return _grid(im, rng, others, 1, 2)


def collage_stacked(
    im: Image.Image, rng: np.random.Generator, others: Sequence[Image.Image]
) -> Image.Image:
    return _grid(im, rng, others, 2, 1)


def collage_2x2(
    im: Image.Image, rng: np.random.Generator, others: Sequence[Image.Image]
) -> Image.Image:
    return _grid(im, rng, others, 2, 2)


def collage_3x3(
    im: Image.Image, rng: np.random.Generator, others: Sequence[Image.Image]
) -> Image.Image:
    return _grid(im, rng, others, 3, 3)


# -- photo of a screen ------------------------------------------------------------------------


def perspective(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    sigma = _u(rng, 0.02, 0.06) * min(im.size)
    return F.perspective_transform(im, sigma=sigma, seed=int(rng.integers(1 << 30)))


def skew(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.skew(im, skew_factor=_u(rng, -0.15, 0.15), axis=int(rng.integers(2)))


def screen_photo(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    """A phone photo of a monitor: the picture on a dark bezel, seen at an angle, with a
    moiré-like line pattern, sensor noise and other brightness."""
    bezel = F.pad(
        im, w_factor=_u(rng, 0.05, 0.15), h_factor=_u(rng, 0.05, 0.15), color=(15, 15, 15)
    )
    out = F.perspective_transform(
        bezel, sigma=_u(rng, 0.02, 0.05) * min(bezel.size), seed=int(rng.integers(1 << 30))
    )
    out = F.overlay_stripes(
        out,
        line_width=0.2,
        line_density=_u(rng, 0.6, 0.9),
        line_angle=_u(rng, -10, 10),
        line_opacity=_u(rng, 0.05, 0.15),
        line_color=(200, 200, 255),
    )
    out = F.random_noise(_rgb(out), var=_u(rng, 0.001, 0.004), seed=int(rng.integers(1 << 30)))
    return F.brightness(out, factor=_u(rng, 0.75, 1.25))


# -- overlays ---------------------------------------------------------------------------------


def overlay_text(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    n = int(rng.integers(5, 15))
    text = [int(i) for i in rng.integers(0, 1000, n)]
    return F.overlay_text(
        im,
        text=text,
        font_size=_u(rng, 0.05, 0.12),
        color=_colour(rng),
        x_pos=_u(rng, 0.0, 0.4),
        y_pos=_u(rng, 0.0, 0.8),
    )


def overlay_emoji(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    out = im
    for _k in range(int(rng.integers(1, 4))):
        out = F.overlay_emoji(
            out,
            emoji_path=str(EMOJI[int(rng.integers(len(EMOJI)))]),
            emoji_size=_u(rng, 0.08, 0.2),
            x_pos=_u(rng, 0.0, 0.85),
            y_pos=_u(rng, 0.0, 0.85),
        )
    return out


def overlay_stripes(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.overlay_stripes(
        im,
        line_width=_u(rng, 0.1, 0.4),
        line_density=_u(rng, 0.2, 0.6),
        line_angle=_u(rng, -45, 45),
        line_opacity=_u(rng, 0.1, 0.35),
        line_color=_colour(rng),
    )


def watermark_logo(
    im: Image.Image, rng: np.random.Generator, others: Sequence[Image.Image]
) -> Image.Image:
    """A small semi-transparent picture (a logo) in a corner."""
    logo = others[1].resize((64, 64))
    return F.overlay_image(
        im,
        logo,
        opacity=_u(rng, 0.4, 0.8),
        overlay_size=_u(rng, 0.08, 0.18),
        x_pos=[0.02, 0.8][int(rng.integers(2))],
        y_pos=[0.02, 0.8][int(rng.integers(2))],
    )


def handle_text(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    """A reposter's handle written across the picture (TikTok/Instagram style)."""
    out = im.copy()
    draw = ImageDraw.Draw(out)
    size = round(im.height * _u(rng, 0.04, 0.08))
    x, y = im.width * _u(rng, 0.02, 0.5), im.height * _u(rng, 0.05, 0.9)
    draw.text(
        (x, y),
        "@repost.account",
        fill=(255, 255, 255),
        font=_font(size),
        stroke_width=2,
        stroke_fill=(0, 0, 0),
    )
    return out


# -- memes ------------------------------------------------------------------------------------


def meme_top(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    """AugLy's meme: a caption bar added above the picture."""
    return F.meme_format(
        im,
        text=CAPTIONS[int(rng.integers(len(CAPTIONS)))][:14],
        caption_height=round(im.height * _u(rng, 0.12, 0.3)),
        meme_bg_color=_plain(rng),
        text_color=(128, 128, 128),
    )


def meme_top_bottom(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    """Impact-style: white text with a black outline over the top and bottom of the picture."""
    out = im.copy()
    draw = ImageDraw.Draw(out)
    size = round(im.height * _u(rng, 0.07, 0.12))
    for y, text in ((0.03, "TOP TEXT HERE"), (0.85, "BOTTOM TEXT")):
        draw.text(
            (im.width * 0.08, im.height * y),
            text,
            fill=(255, 255, 255),
            font=_font(size),
            stroke_width=3,
            stroke_fill=(0, 0, 0),
        )
    return out


def caption_bar_below(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    """A caption strip added below the picture (the canvas grows)."""
    band = round(im.height * _u(rng, 0.1, 0.3))
    bg = _plain(rng)
    canvas = Image.new("RGB", (im.width, im.height + band), bg)
    canvas.paste(im, (0, 0))
    ink = (0, 0, 0) if sum(bg) > 380 else (255, 255, 255)
    text = CAPTIONS[int(rng.integers(len(CAPTIONS)))]
    ImageDraw.Draw(canvas).text(
        (im.width * 0.04, im.height + band * 0.3), text, fill=ink, font=_font(round(band * 0.35))
    )
    return canvas


# -- filters ----------------------------------------------------------------------------------


def colour_jitter(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.color_jitter(
        im,
        brightness_factor=_u(rng, 0.7, 1.3),
        contrast_factor=_u(rng, 0.7, 1.3),
        saturation_factor=_u(rng, 0.5, 1.6),
    )


def brightness(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.brightness(im, factor=_u(rng, 0.6, 1.5))


def contrast(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.contrast(im, factor=_u(rng, 0.5, 1.8))


def saturation(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.saturation(im, factor=_u(rng, 0.0, 2.5))


def grayscale(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.grayscale(im)


def blur(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.blur(im, radius=_u(rng, 1.0, 4.0))


def sharpen(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.sharpen(im, factor=_u(rng, 2.0, 8.0))


def jpeg_low(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.encoding_quality(im, quality=int(rng.integers(10, 40)))


def noise(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.random_noise(im, var=_u(rng, 0.002, 0.01), seed=int(rng.integers(1 << 30)))


def pixelate(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.pixelization(im, ratio=_u(rng, 0.2, 0.5))


def pil_filter(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    kinds = [
        ImageFilter.EDGE_ENHANCE,
        ImageFilter.DETAIL,
        ImageFilter.SMOOTH_MORE,
        ImageFilter.EDGE_ENHANCE_MORE,
    ]
    return F.apply_pil_filter(im, filter_type=kinds[int(rng.integers(len(kinds)))])


def sepia_vintage(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    """An "old photo" filter: a sepia colour matrix and a darkened corner vignette."""
    m = (0.393, 0.769, 0.189, 0, 0.349, 0.686, 0.168, 0, 0.272, 0.534, 0.131, 0)
    out = np.asarray(F.convert_color(im, mode="RGB", matrix=m)).astype(np.float32)
    h, w = out.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.hypot((xx - w / 2) / (w / 2), (yy - h / 2) / (h / 2))
    out *= np.clip(1.2 - _u(rng, 0.3, 0.5) * r, 0, 1)[..., None]
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def palette(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.convert_color(im, mode="P", colors=int(rng.integers(16, 64)))


# -- geometry ---------------------------------------------------------------------------------


def hflip(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.hflip(im)


def vflip(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.vflip(im)


def rotate_small(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    """AugLy's rotate: turned by 2-12° either way, cropped to the largest upright rectangle."""
    return F.rotate(im, degrees=_u(rng, 2, 12) * (1 if rng.random() < 0.5 else -1))


def rotate_canvas(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    """Turned by 2-12° on a plain canvas that grows to hold it (nothing cut)."""
    angle = _u(rng, 2, 12) * (1 if rng.random() < 0.5 else -1)
    return im.rotate(angle, Image.Resampling.BILINEAR, expand=True, fillcolor=_plain(rng))


def rotate_90s(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    turn = [Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270]
    return im.transpose(turn[int(rng.integers(3))])


def downscale(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return F.scale(im, factor=_u(rng, 0.15, 0.5))


# -- several at once --------------------------------------------------------------------------


def _chain(*steps: Transform) -> Transform:
    def apply(
        im: Image.Image, rng: np.random.Generator, others: Sequence[Image.Image]
    ) -> Image.Image:
        for step in steps:
            im = _rgb(step(im, rng, others))
        return im

    return apply


def _jpeg_step(im: Image.Image, rng: np.random.Generator, _: object) -> Image.Image:
    return _jpeg(im, int(rng.integers(40, 85)))


FAMILIES: dict[str, tuple[str, Transform]] = {
    # name: (group, transform)
    "aspect_ratio": ("frame", aspect_ratio),
    "pad_colour": ("frame", pad_colour),
    "pad_square": ("frame", pad_square),
    "letterbox_16_9": ("frame", letterbox_16_9),
    "story_frame": ("frame", story_frame),
    "web_screenshot": ("frame", web_screenshot),
    "app_screenshot": ("frame", app_screenshot),
    "on_background": ("frame", on_background),
    "crop_center": ("crop", crop_center),
    "crop_one_side": ("crop", crop_one_side),
    "crop_off_center": ("crop", crop_off_center),
    "crop_to_square": ("crop", crop_to_square),
    "collage_side_by_side": ("collage", collage_side_by_side),
    "collage_stacked": ("collage", collage_stacked),
    "collage_2x2": ("collage", collage_2x2),
    "collage_3x3": ("collage", collage_3x3),
    "perspective": ("screen", perspective),
    "skew": ("screen", skew),
    "screen_photo": ("screen", screen_photo),
    "overlay_text": ("overlay", overlay_text),
    "overlay_emoji": ("overlay", overlay_emoji),
    "overlay_stripes": ("overlay", overlay_stripes),
    "watermark_logo": ("overlay", watermark_logo),
    "handle_text": ("overlay", handle_text),
    "meme_top": ("meme", meme_top),
    "meme_top_bottom": ("meme", meme_top_bottom),
    "caption_bar_below": ("meme", caption_bar_below),
    "colour_jitter": ("filter", colour_jitter),
    "brightness": ("filter", brightness),
    "contrast": ("filter", contrast),
    "saturation": ("filter", saturation),
    "grayscale": ("filter", grayscale),
    "blur": ("filter", blur),
    "sharpen": ("filter", sharpen),
    "jpeg_low": ("filter", jpeg_low),
    "noise": ("filter", noise),
    "pixelate": ("filter", pixelate),
    "pil_filter": ("filter", pil_filter),
    "sepia_vintage": ("filter", sepia_vintage),
    "palette": ("filter", palette),
    "hflip": ("geometry", hflip),
    "vflip": ("geometry", vflip),
    "rotate_small": ("geometry", rotate_small),
    "rotate_canvas": ("geometry", rotate_canvas),
    "rotate_90s": ("geometry", rotate_90s),
    "downscale": ("geometry", downscale),
    "combo_flip_crop_jpeg": ("combination", _chain(hflip, crop_center, _jpeg_step)),
    "combo_meme_filter_jpeg": ("combination", _chain(meme_top, colour_jitter, _jpeg_step)),
    "combo_screenshot_text": ("combination", _chain(overlay_text, app_screenshot, _jpeg_step)),
    "combo_pad_rotate_colour": ("combination", _chain(pad_colour, rotate_canvas, saturation)),
    "combo_collage_jpeg": ("combination", _chain(collage_2x2, _jpeg_step, downscale)),
    "combo_crop_emoji_filter": ("combination", _chain(crop_one_side, overlay_emoji, pil_filter)),
    "combo_story_emoji": ("combination", _chain(overlay_emoji, story_frame, _jpeg_step)),
    "combo_screen_caption": ("combination", _chain(caption_bar_below, screen_photo)),
}
"""Every family: (group, transform). Groups are for reading the table only."""


def split(name: str) -> str:
    """``"heldout"`` when the first byte of SHA-256(name) is odd, else ``"tuning"``."""
    return "heldout" if hashlib.sha256(name.encode()).digest()[0] % 2 else "tuning"


def apply(
    name: str, image: Image.Image, photo_key: str, others: Sequence[Image.Image]
) -> Image.Image:
    """The family's edit of one photo, with parameters seeded by (family, photo)."""
    seed = int.from_bytes(hashlib.sha256(f"{name}|{photo_key}".encode()).digest()[:8], "big")
    rng = np.random.default_rng(seed)
    return _rgb(FAMILIES[name][1](image, rng, others))
