//! The image half of the pipeline: read the header, check the limits, decode, shrink, turn upright,
//! convert to 8-bit sRGB and encode afresh from the pixels alone, so that no metadata block of the
//! original (EXIF, GPS, XMP, IPTC, maker notes, embedded thumbnails, text chunks) can survive.
//!
//! The order is chosen for memory and speed: the only full-size buffer is the decoded one; the
//! shrink comes before the rotation and the colour conversion, which then work on ≤ 2560 px.

use std::io::Cursor;

use fast_image_resize as fr;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::metadata::Orientation;
use image::{DynamicImage, ImageBuffer, ImageDecoder, ImageError, ImageFormat, ImageReader};

use super::Limits;
use super::error::AttachmentError;
use super::sniff::{self, MediaType};

/// A normalised image and its thumbnail.
#[derive(Debug)]
pub(super) struct Encoded {
    pub media_type: MediaType,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
    pub thumbnail: Vec<u8>,
}

/// JPEG quality of thumbnails: they are looked at small, on screen only.
const THUMBNAIL_QUALITY: u8 = 80;

fn image_format(media_type: MediaType) -> Option<ImageFormat> {
    Some(match media_type {
        MediaType::Jpeg => ImageFormat::Jpeg,
        MediaType::Png => ImageFormat::Png,
        MediaType::Webp => ImageFormat::WebP,
        MediaType::Gif => ImageFormat::Gif,
        MediaType::Bmp => ImageFormat::Bmp,
        MediaType::Tiff => ImageFormat::Tiff,
        MediaType::Pdf => return None,
    })
}

/// Runs the whole image pipeline on `bytes`, already sniffed as `media_type`.
pub(super) fn normalize(
    bytes: &[u8],
    media_type: MediaType,
    limits: &Limits,
) -> Result<Encoded, AttachmentError> {
    let format = image_format(media_type).ok_or(AttachmentError::NotImageOrPdf)?;
    if media_type == MediaType::Jpeg && !sniff::jpeg_is_complete(bytes) {
        return Err(AttachmentError::ImageDamaged);
    }
    let too_large = || AttachmentError::ImageTooLarge {
        max_pixels: limits.max_pixels,
        max_side: limits.max_side,
    };
    let refused = |e: ImageError| match e {
        ImageError::Limits(_) => too_large(),
        ImageError::Unsupported(_) => AttachmentError::ImageUnsupported,
        _ => AttachmentError::ImageDamaged,
    };

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(limits.max_side);
    decoder_limits.max_image_height = Some(limits.max_side);
    decoder_limits.max_alloc = Some(limits.max_decode_bytes);
    reader.limits(decoder_limits);
    // Reads the header only; the dimension limits are checked here.
    let mut decoder = reader.into_decoder().map_err(refused)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(AttachmentError::ImageDamaged);
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels
        || decoder.total_bytes() > limits.max_decode_bytes
    {
        return Err(too_large());
    }
    // A damaged EXIF block is no reason to refuse the picture: it is dropped anyway.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let decoded = DynamicImage::from_decoder(decoder).map_err(refused)?;

    let mut image = to_8bit(decoded);
    let mut image = fit(&mut image, limits.max_long_side)?.unwrap_or(image);
    image.apply_orientation(orientation);
    if let Some(icc) = icc {
        to_srgb(&mut image, &icc);
    }
    let mut image = drop_opaque_alpha(image);

    let (media_type, bytes) = if image.color().has_alpha() {
        (MediaType::Png, encode_png(&image)?)
    } else if media_type == MediaType::Jpeg {
        (MediaType::Jpeg, encode_jpeg(&image, limits.jpeg_quality)?)
    } else {
        // Screenshots and line art compress better losslessly; photos saved as PNG do not.
        let jpeg = encode_jpeg(&image, limits.jpeg_quality)?;
        let png = encode_png(&image)?;
        if png.len() <= jpeg.len() {
            (MediaType::Png, png)
        } else {
            (MediaType::Jpeg, jpeg)
        }
    };

    let (width, height) = (image.width(), image.height());
    let thumb = fit(&mut image, limits.thumbnail_side)?;
    let thumb = thumb.as_ref().unwrap_or(&image);
    let thumbnail = if thumb.color().has_alpha() {
        encode_png(thumb)?
    } else {
        encode_jpeg(thumb, THUMBNAIL_QUALITY)?
    };

    Ok(Encoded {
        media_type,
        width,
        height,
        bytes,
        thumbnail,
    })
}

/// 8 bits per channel, keeping grey as grey and alpha as alpha.
fn to_8bit(image: DynamicImage) -> DynamicImage {
    match image {
        DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_) => image,
        DynamicImage::ImageLuma16(_) => DynamicImage::ImageLuma8(image.to_luma8()),
        DynamicImage::ImageLumaA16(_) => DynamicImage::ImageLumaA8(image.to_luma_alpha8()),
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    }
}

/// A copy of `image` shrunk so its longest side is at most `max_side`; `None` when it already fits.
/// An image with alpha is premultiplied in place first (and so left changed): the resizer's own
/// premultiplication would copy the whole full-size image.
fn fit(image: &mut DynamicImage, max_side: u32) -> Result<Option<DynamicImage>, AttachmentError> {
    let (width, height) = (image.width(), image.height());
    let longest = width.max(height);
    if longest <= max_side {
        return Ok(None);
    }
    let scale = |side: u32| {
        let scaled = u64::from(side) * u64::from(max_side) / u64::from(longest);
        u32::try_from(scaled).unwrap_or(max_side).max(1)
    };
    let (new_width, new_height) = (scale(width), scale(height));
    let failed = |_| AttachmentError::ProcessingFailed;
    let (pixel_type, pixels): (_, &mut [u8]) = match image {
        DynamicImage::ImageLuma8(buf) => (fr::PixelType::U8, buf),
        DynamicImage::ImageLumaA8(buf) => (fr::PixelType::U8x2, buf),
        DynamicImage::ImageRgb8(buf) => (fr::PixelType::U8x3, buf),
        DynamicImage::ImageRgba8(buf) => (fr::PixelType::U8x4, buf),
        _ => return Err(AttachmentError::ProcessingFailed),
    };
    let has_alpha = matches!(pixel_type, fr::PixelType::U8x2 | fr::PixelType::U8x4);
    let mut src = fr::images::Image::from_slice_u8(width, height, pixels, pixel_type)
        .map_err(|_| AttachmentError::ProcessingFailed)?;
    let mut dst = fr::images::Image::new(new_width, new_height, pixel_type);
    let mul_div = fr::MulDiv::default();
    if has_alpha {
        mul_div.multiply_alpha_inplace(&mut src).map_err(failed)?;
    }
    let options = fr::ResizeOptions::new()
        .resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3))
        .use_alpha(false);
    fr::Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|_| AttachmentError::ProcessingFailed)?;
    if has_alpha {
        mul_div.divide_alpha_inplace(&mut dst).map_err(failed)?;
    }
    let raw = dst.into_vec();
    let resized = match pixel_type {
        fr::PixelType::U8 => {
            ImageBuffer::from_raw(new_width, new_height, raw).map(DynamicImage::ImageLuma8)
        }
        fr::PixelType::U8x2 => {
            ImageBuffer::from_raw(new_width, new_height, raw).map(DynamicImage::ImageLumaA8)
        }
        fr::PixelType::U8x3 => {
            ImageBuffer::from_raw(new_width, new_height, raw).map(DynamicImage::ImageRgb8)
        }
        _ => ImageBuffer::from_raw(new_width, new_height, raw).map(DynamicImage::ImageRgba8),
    };
    resized.map(Some).ok_or(AttachmentError::ProcessingFailed)
}

/// Converts RGB pixels described by an embedded ICC profile (Display P3, Adobe RGB, …) to sRGB,
/// since the profile itself is dropped with the rest of the metadata. Best effort: a profile that
/// cannot be read leaves the pixels as they are, which is what a viewer without colour management
/// would show anyway.
fn to_srgb(image: &mut DynamicImage, icc: &[u8]) {
    let Ok(profile) = moxcms::ColorProfile::new_from_slice(icc) else {
        return;
    };
    if profile.color_space != moxcms::DataColorSpace::Rgb {
        return;
    }
    let layout = match image {
        DynamicImage::ImageRgb8(_) => moxcms::Layout::Rgb,
        DynamicImage::ImageRgba8(_) => moxcms::Layout::Rgba,
        _ => return,
    };
    let srgb = moxcms::ColorProfile::new_srgb();
    let Ok(transform) =
        profile.create_transform_8bit(layout, &srgb, layout, moxcms::TransformOptions::default())
    else {
        return;
    };
    let source = image.as_bytes().to_vec();
    let target: &mut [u8] = match image {
        DynamicImage::ImageRgb8(buf) => buf,
        DynamicImage::ImageRgba8(buf) => buf,
        _ => return,
    };
    if transform.transform(&source, target).is_err() {
        target.copy_from_slice(&source);
    }
}

/// Screenshots often carry an alpha channel that is opaque everywhere; without it they may become
/// a JPEG when that is smaller.
fn drop_opaque_alpha(image: DynamicImage) -> DynamicImage {
    match &image {
        DynamicImage::ImageRgba8(buf) if buf.pixels().all(|p| p.0[3] == u8::MAX) => {
            DynamicImage::ImageRgb8(image.to_rgb8())
        }
        DynamicImage::ImageLumaA8(buf) if buf.pixels().all(|p| p.0[1] == u8::MAX) => {
            DynamicImage::ImageLuma8(image.to_luma8())
        }
        _ => image,
    }
}

fn encode_jpeg(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, AttachmentError> {
    let mut out = Vec::new();
    image
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, quality))
        .map_err(|_| AttachmentError::ProcessingFailed)?;
    Ok(out)
}

fn encode_png(image: &DynamicImage) -> Result<Vec<u8>, AttachmentError> {
    let mut out = Vec::new();
    image
        .write_with_encoder(PngEncoder::new_with_quality(
            &mut out,
            CompressionType::Default,
            FilterType::Adaptive,
        ))
        .map_err(|_| AttachmentError::ProcessingFailed)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    fn png_of(image: &DynamicImage) -> Vec<u8> {
        encode_png(image).expect("encode test PNG")
    }

    #[test]
    fn a_large_image_is_shrunk_to_the_longest_side_and_gets_a_thumbnail() {
        let image = DynamicImage::ImageRgb8(RgbImage::from_fn(3000, 1000, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        }));
        let out =
            normalize(&png_of(&image), MediaType::Png, &Limits::default()).expect("normalised");
        assert_eq!((out.width, out.height), (2560, 853));
        let thumb = image::load_from_memory(&out.thumbnail).expect("thumbnail decodes");
        assert_eq!((thumb.width(), thumb.height()), (256, 85));
    }

    #[test]
    fn transparency_is_kept_as_png_and_opaque_alpha_is_dropped() {
        let clear = DynamicImage::ImageRgba8(RgbaImage::from_fn(40, 30, |x, _| {
            Rgba([255, 0, 0, if x < 20 { 0 } else { 255 }])
        }));
        let out = normalize(&png_of(&clear), MediaType::Png, &Limits::default()).expect("ok");
        assert_eq!(out.media_type, MediaType::Png);
        let back = image::load_from_memory(&out.bytes).expect("decodes");
        assert!(back.color().has_alpha());

        let opaque = DynamicImage::ImageRgba8(RgbaImage::from_pixel(40, 30, Rgba([9, 9, 9, 255])));
        let out = normalize(&png_of(&opaque), MediaType::Png, &Limits::default()).expect("ok");
        let back = image::load_from_memory(&out.bytes).expect("decodes");
        assert!(!back.color().has_alpha());
    }

    #[test]
    fn a_shrunk_transparent_image_keeps_its_colours_and_alpha() {
        let half = DynamicImage::ImageRgba8(RgbaImage::from_fn(3000, 100, |x, _| {
            if x < 1500 {
                Rgba([0, 0, 0, 0])
            } else {
                Rgba([0, 200, 0, 255])
            }
        }));
        let out = normalize(&png_of(&half), MediaType::Png, &Limits::default()).expect("ok");
        let back = image::load_from_memory(&out.bytes)
            .expect("decodes")
            .to_rgba8();
        assert_eq!((back.width(), back.height()), (2560, 85));
        assert_eq!(back.get_pixel(10, 40).0[3], 0);
        assert_eq!(back.get_pixel(2500, 40).0, [0, 200, 0, 255]);
        // Next to the transparent half, the green does not darken.
        let edge = back.get_pixel(1282, 40).0;
        assert!(edge[3] > 0 && edge[1] >= 195, "{edge:?}");
    }

    #[test]
    fn sixteen_bit_images_become_eight_bit() {
        let deep = DynamicImage::ImageRgb16(ImageBuffer::from_pixel(10, 10, Rgb([65535u16, 0, 0])));
        let out = normalize(&png_of(&deep), MediaType::Png, &Limits::default()).expect("ok");
        let back = image::load_from_memory(&out.bytes).expect("decodes");
        assert_eq!(back.color(), image::ColorType::Rgb8);
    }

    #[test]
    fn declared_dimensions_are_refused_before_decoding() {
        let image = DynamicImage::ImageLuma8(ImageBuffer::from_pixel(200, 100, image::Luma([0u8])));
        let limits = Limits {
            max_pixels: 10_000,
            ..Limits::default()
        };
        let err = normalize(&png_of(&image), MediaType::Png, &limits).expect_err("refused");
        assert_eq!(err.code(), "image_too_large");
        let limits = Limits {
            max_side: 150,
            ..Limits::default()
        };
        let err = normalize(&png_of(&image), MediaType::Png, &limits).expect_err("refused");
        assert_eq!(err.code(), "image_too_large");
    }
}
