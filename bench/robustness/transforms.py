"""The benign edits the robustness benchmark applies to each photo: a named catalogue.

Definitions (so the numbers can be read): "crop p%" removes p% of the width and
of the height, half from each side (crop 20% keeps the central 80% x 80%); "crop_right p%"
removes p% of the width from the right only (and so on for the other sides);
"pad p%" adds p% of the width and height, half on each side; small rotations
turn the picture on a black canvas that grows to hold it (``expand=True``).
"""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

Transform = Callable[[Image.Image], Image.Image]


def jpeg(quality: int) -> Transform:
    def apply(im: Image.Image) -> Image.Image:
        out = io.BytesIO()
        im.save(out, "JPEG", quality=quality)
        return Image.open(io.BytesIO(out.getvalue())).convert("RGB")

    return apply


def resize(factor: float) -> Transform:
    return lambda im: im.resize(
        (max(8, round(im.width * factor)), max(8, round(im.height * factor))),
        Image.Resampling.BILINEAR,
    )


def crop(percent: int, side: str = "center") -> Transform:
    def apply(im: Image.Image) -> Image.Image:
        dw, dh = im.width * percent / 100, im.height * percent / 100
        box = {
            "center": (dw / 2, dh / 2, im.width - dw / 2, im.height - dh / 2),
            "right": (0, 0, im.width - dw, im.height),
            "left": (dw, 0, im.width, im.height),
            "top": (0, dh, im.width, im.height),
            "bottom": (0, 0, im.width, im.height - dh),
        }[side]
        return im.crop(tuple(round(v) for v in box))

    return apply


def pad(percent: int, fill: str) -> Transform:
    def apply(im: Image.Image) -> Image.Image:
        pw, ph = round(im.width * percent / 200), round(im.height * percent / 200)
        size = (im.width + 2 * pw, im.height + 2 * ph)
        if fill == "blurred":
            canvas = im.resize(size).filter(ImageFilter.GaussianBlur(max(size) / 25))
        else:
            canvas = Image.new("RGB", size, (0, 0, 0) if fill == "black" else (255, 255, 255))
        canvas.paste(im, (pw, ph))
        return canvas

    return apply


def letterbox(im: Image.Image) -> Image.Image:
    side = max(im.size)
    canvas = Image.new("RGB", (side, side), (0, 0, 0))
    canvas.paste(im, ((side - im.width) // 2, (side - im.height) // 2))
    return canvas


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=max(8, size))


def caption(side: str, percent: int, background: tuple[int, int, int]) -> Transform:
    """A strip over the picture (not added to it) with a line of text, like a meme caption."""

    def apply(im: Image.Image) -> Image.Image:
        out = im.copy()
        band = round(im.height * percent / 100)
        top = 0 if side == "top" else im.height - band
        draw = ImageDraw.Draw(out)
        draw.rectangle((0, top, im.width, top + band), fill=background)
        ink = (0, 0, 0) if sum(background) > 380 else (255, 255, 255)
        draw.text(
            (im.width * 0.05, top + band * 0.25),
            "when the weekend finally arrives",
            fill=ink,
            font=_font(round(band * 0.45)),
        )
        return out

    return apply


def sticker(im: Image.Image) -> Image.Image:
    """A round emoji-like sticker (8% of the area) near a corner and a small logo text."""
    out = im.copy()
    draw = ImageDraw.Draw(out)
    r = round((0.08 * im.width * im.height / 3.14) ** 0.5)
    cx, cy = round(im.width * 0.78), round(im.height * 0.25)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 210, 0), outline=(0, 0, 0))
    draw.text(
        (im.width * 0.03, im.height * 0.92),
        "@demo.example",
        fill=(255, 255, 255),
        font=_font(round(im.height * 0.05)),
    )
    return out


def screenshot(im: Image.Image) -> Image.Image:
    """The picture inside a phone-app-like frame: white page, status bar, caption text, buttons."""
    width = round(im.width / 0.9)
    pic_h = im.height
    bar, below = round(width * 0.12), round(width * 0.3)
    canvas = Image.new("RGB", (width, bar + pic_h + below), (250, 250, 250))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, width, bar * 0.4), fill=(30, 30, 30))
    draw.text(
        (width * 0.04, bar * 0.5),
        "demo_user  ·  2h",
        fill=(20, 20, 20),
        font=_font(round(bar * 0.3)),
    )
    canvas.paste(im, ((width - im.width) // 2, bar))
    y = bar + pic_h + below * 0.1
    for i in range(4):
        draw.ellipse(
            (width * (0.04 + 0.1 * i), y, width * (0.1 + 0.1 * i), y + width * 0.06),
            outline=(40, 40, 40),
            width=3,
        )
    draw.text(
        (width * 0.04, y + below * 0.35),
        "liked by someone and 42 others",
        fill=(20, 20, 20),
        font=_font(round(below * 0.12)),
    )
    return canvas


def rotate_small(degrees: float) -> Transform:
    return lambda im: im.rotate(degrees, Image.Resampling.BILINEAR, expand=True)


def then(*steps: Transform) -> Transform:
    def apply(im: Image.Image) -> Image.Image:
        for step in steps:
            im = step(im)
        return im

    return apply


FLIP_H: Transform = ImageOps.mirror
FLIP_V: Transform = ImageOps.flip

CATALOGUE: dict[str, tuple[str, Transform]] = {
    # name: (family, transform)
    "jpeg_q90": ("jpeg", jpeg(90)),
    "jpeg_q70": ("jpeg", jpeg(70)),
    "jpeg_q50": ("jpeg", jpeg(50)),
    "jpeg_q30": ("jpeg", jpeg(30)),
    "resize_50": ("resize", resize(0.5)),
    "resize_25": ("resize", resize(0.25)),
    "grayscale": ("grayscale", lambda im: ImageOps.grayscale(im).convert("RGB")),
    "flip_h": ("flip", FLIP_H),
    "flip_v": ("flip", FLIP_V),
    "rotate_90": ("rotate_90s", lambda im: im.transpose(Image.Transpose.ROTATE_90)),
    "rotate_180": ("rotate_90s", lambda im: im.transpose(Image.Transpose.ROTATE_180)),
    "rotate_270": ("rotate_90s", lambda im: im.transpose(Image.Transpose.ROTATE_270)),
    "rotate_+2": ("rotate_small", rotate_small(2)),
    "rotate_-2": ("rotate_small", rotate_small(-2)),
    "rotate_+5": ("rotate_small", rotate_small(5)),
    "rotate_-5": ("rotate_small", rotate_small(-5)),
    "rotate_+10": ("rotate_small", rotate_small(10)),
    "rotate_-10": ("rotate_small", rotate_small(-10)),
    "crop_5": ("crop", crop(5)),
    "crop_10": ("crop", crop(10)),
    "crop_15": ("crop", crop(15)),
    "crop_20": ("crop", crop(20)),
    "crop_25": ("crop", crop(25)),
    "crop_right_10": ("crop_one_side", crop(10, "right")),
    "crop_left_20": ("crop_one_side", crop(20, "left")),
    "crop_bottom_15": ("crop_one_side", crop(15, "bottom")),
    "crop_top_5": ("crop_one_side", crop(5, "top")),
    "pad_black_5": ("pad", pad(5, "black")),
    "pad_black_10": ("pad", pad(10, "black")),
    "pad_black_25": ("pad", pad(25, "black")),
    "pad_white_10": ("pad", pad(10, "white")),
    "pad_white_25": ("pad", pad(25, "white")),
    "pad_blurred_10": ("pad", pad(10, "blurred")),
    "pad_blurred_25": ("pad", pad(25, "blurred")),
    "letterbox_square": ("pad", letterbox),
    "caption_bottom_white_15": ("caption", caption("bottom", 15, (255, 255, 255))),
    "caption_top_black_10": ("caption", caption("top", 10, (0, 0, 0))),
    "caption_bottom_white_25": ("caption", caption("bottom", 25, (255, 255, 255))),
    "caption_top_white_25": ("caption", caption("top", 25, (255, 255, 255))),
    "sticker_logo": ("overlay", sticker),
    "screenshot_frame": ("frame", screenshot),
    "flip_h+crop_10": ("combination", then(FLIP_H, crop(10))),
    "pad_black_10+jpeg_q50": ("combination", then(pad(10, "black"), jpeg(50))),
    "rotate_90+pad_white_10": (
        "combination",
        then(lambda im: im.transpose(Image.Transpose.ROTATE_90), pad(10, "white")),
    ),
    "flip_h+caption_bottom_15+jpeg_q70": (
        "combination",
        then(FLIP_H, caption("bottom", 15, (255, 255, 255)), jpeg(70)),
    ),
    "screenshot+jpeg_q70": ("combination", then(screenshot, jpeg(70))),
}
