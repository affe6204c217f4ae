"""A small article set written by the tests (three articles; one lacks Portuguese and Arabic)."""

from __future__ import annotations

from pathlib import Path

SHIPPING = """---
id: shipping-times
topic: orders
tags: [shipping, delivery]
title:
  en: How long does shipping take?
  es: ¿Cuánto tarda el envío?
  pt: Quanto tempo demora a entrega?
  fr: Quels sont les délais de livraison ?
  ar: كم تستغرق مدة الشحن؟
  zh: 配送需要多长时间？
questions:
  en: ["when will my package arrive", "how many days does delivery take"]
  es: ["¿cuándo llega mi paquete?", "¿cuántos días tarda la entrega?"]
---
<!-- lang: en -->
Standard delivery takes 3 to 5 business days after your order ships.

Express delivery takes 1 to 2 business days. See https://help.nimbus.example/shipping.

<!-- lang: es -->
El envío estándar tarda de 3 a 5 días hábiles desde que sale tu pedido.

El envío exprés tarda de 1 a 2 días hábiles.

<!-- lang: pt -->
A entrega padrão leva de 3 a 5 dias úteis depois que o pedido é enviado.

<!-- lang: fr -->
La livraison standard prend de 3 à 5 jours ouvrés après l'expédition de votre commande.

<!-- lang: ar -->
يستغرق التوصيل العادي من 3 إلى 5 أيام عمل بعد شحن طلبك.

<!-- lang: zh -->
标准配送在订单发货后需要 3 到 5 个工作日。
"""

PASSWORD = """---
id: reset-password
topic: account
tags: [password, login]
title:
  en: How do I reset my password?
  es: ¿Cómo restablezco mi contraseña?
  pt: Como redefinir minha senha?
  fr: Comment réinitialiser mon mot de passe ?
  ar: كيف أعيد تعيين كلمة المرور؟
  zh: 如何重置密码？
questions:
  en: ["I forgot my password", "I can't log in to my account"]
  fr: ["j'ai oublié mon mot de passe"]
---
<!-- lang: en -->
Click "Forgot password" on the sign-in page and follow the link we email you; it is valid for 1 hour.

<!-- lang: es -->
Pulsa «¿Olvidaste tu contraseña?» en la página de inicio de sesión y sigue el enlace que te enviamos por correo.

<!-- lang: pt -->
Clique em "Esqueci minha senha" na página de login e siga o link que enviamos por e-mail.

<!-- lang: fr -->
Cliquez sur « Mot de passe oublié » sur la page de connexion et suivez le lien reçu par e-mail.

<!-- lang: ar -->
انقر على "نسيت كلمة المرور" في صفحة تسجيل الدخول واتبع الرابط الذي نرسله إلى بريدك الإلكتروني.

<!-- lang: zh -->
在登录页面点击"忘记密码"，然后按照我们通过电子邮件发送的链接操作。
"""

# Deliberately without Portuguese and Arabic: a Portuguese customer gets the Spanish text.
GIFT_CARDS = """---
id: gift-cards
topic: billing
tags: [gift card]
title:
  en: How do gift cards work?
  es: ¿Cómo funcionan las tarjetas regalo?
  fr: Comment fonctionnent les cartes cadeaux ?
  zh: 礼品卡如何使用？
---
<!-- lang: en -->
Gift cards can be bought from 10 to 500 dollars and never expire; redeem them at checkout.

<!-- lang: es -->
Las tarjetas regalo se compran de 10 a 500 dólares y no caducan; se canjean al pagar.

<!-- lang: fr -->
Les cartes cadeaux vont de 10 à 500 dollars et n'expirent jamais ; utilisez-les lors du paiement.

<!-- lang: zh -->
礼品卡面值 10 至 500 美元，永不过期；结账时即可使用。
"""

ARTICLES: dict[str, str] = {"shipping-times": SHIPPING, "reset-password": PASSWORD, "gift-cards": GIFT_CARDS}


def write_articles(directory: Path, articles: dict[str, str] | None = None) -> Path:
    """Write the fixture articles (or the given ones) as ``<id>.md`` files and return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    for article_id, text in (articles if articles is not None else ARTICLES).items():
        (directory / f"{article_id}.md").write_text(text, encoding="utf-8")
    return directory
