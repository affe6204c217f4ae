"""What the customer is told, in their language, when a file they sent is refused."""

from __future__ import annotations

NOTICES: dict[str, dict[str, str]] = {
    "type": {
        "en": "Sorry, we can only receive images (JPEG, PNG, GIF, WebP) and PDF documents.",
        "es": "Lo sentimos, solo podemos recibir imágenes (JPEG, PNG, GIF, WebP) y documentos PDF.",
        "pt": "Desculpe, só podemos receber imagens (JPEG, PNG, GIF, WebP) e documentos PDF.",
        "fr": "Désolé, nous ne pouvons recevoir que des images (JPEG, PNG, GIF, WebP) et des documents PDF.",
        "ar": "عذرًا، لا يمكننا استلام سوى الصور (JPEG وPNG وGIF وWebP) ومستندات PDF.",
        "zh": "抱歉，我们只能接收图片（JPEG、PNG、GIF、WebP）和 PDF 文档。",
    },
    "too_large": {
        "en": "Sorry, this file is too large for us to receive. Please send a smaller one.",
        "es": "Lo sentimos, este archivo es demasiado grande. Por favor, envía uno más pequeño.",
        "pt": "Desculpe, este arquivo é grande demais. Por favor, envie um menor.",
        "fr": "Désolé, ce fichier est trop volumineux. Merci d'en envoyer un plus petit.",
        "ar": "عذرًا، هذا الملف كبير جدًا. يُرجى إرسال ملف أصغر.",
        "zh": "抱歉，此文件太大，无法接收。请发送较小的文件。",
    },
}


def notice(reason: str, language: str | None) -> str:
    """The refusal for ``reason`` in ``language`` (English when the language has none)."""
    texts = NOTICES[reason]
    return texts.get((language or "en").split("-")[0].lower(), texts["en"])
