"""UI strings, French first, and the language of a page."""

from collections.abc import Callable

from servicekit.messages import Message

DEFAULT_LANGUAGE = "fr"

# Every label of the seed's screens is its French text, verbatim.
STRINGS: dict[str, Message] = {
    # Layout
    "brand.welcome": {"fr": "Bienvenue", "en": "Welcome"},
    "brand.name": {"fr": "Société Parc-Auto du Québec", "en": "Société Parc-Auto du Québec"},
    "brand.portal": {"fr": "Portail des abonnements", "en": "Subscription portal"},
    "layout.logout": {"fr": "Déconnexion", "en": "Log out"},
    "layout.menu": {"fr": "MENU", "en": "MENU"},
    "layout.switch_language": {"fr": "English", "en": "Français"},
    "layout.skip": {"fr": "Aller au contenu", "en": "Skip to content"},
    "layout.required_legend": {"fr": "* Obligatoire", "en": "* Mandatory"},
    "menu.add_subscription": {"fr": "AJOUTER UN ABONNEMENT", "en": "ADD A SUBSCRIPTION"},
    "menu.my_subscription": {"fr": "MON ABONNEMENT", "en": "MY SUBSCRIPTION"},
    "menu.faq": {"fr": "FAQ", "en": "FAQ"},
    "menu.settings": {"fr": "PARAMÈTRES", "en": "SETTINGS"},
    "menu.pay_claim": {"fr": "PAYER UN AVIS DE RÉCLAMATION", "en": "PAY A CLAIM NOTICE"},
    "menu.operator": {"fr": "Console opérateur", "en": "Operator console"},
    "menu.dashboard": {"fr": "TABLEAU DE BORD", "en": "DASHBOARD"},
    # Login
    "login.title": {"fr": "Connexion", "en": "Log in"},
    "login.subtitle": {
        "fr": "Connexion via adresse courriel et mot de passe",
        "en": "Log in with email address and password",
    },
    "field.email": {"fr": "Adresse courriel", "en": "Email address"},
    "field.password": {"fr": "Mot de passe", "en": "Password"},
    "field.password_confirmation": {
        "fr": "Confirmation du mot de passe",
        "en": "Password confirmation",
    },
    "login.forgot": {"fr": "Mot de passe perdu?", "en": "Forgot your password?"},
    "action.continue": {"fr": "Continuer", "en": "Continue"},
    "login.create_account": {"fr": "Créer un compte", "en": "Create an account"},
    "login.help": {
        "fr": "Entrez votre courriel et le mot de passe sélectionné lors de la création de "
        "votre compte, puis cliquez sur « Continuer ».",
        "en": "Enter your email and the password chosen when you created your account, "
        "then click “Continue”.",
    },
    "login.invalid_credentials": {
        "fr": "Adresse courriel ou mot de passe incorrect.",
        "en": "Incorrect email address or password.",
    },
    "login.not_verified": {
        "fr": "L'adresse courriel de votre compte n'a pas encore été validée. Cliquez sur le "
        "lien du courriel que nous vous avons envoyé, ou demandez un nouvel envoi.",
        "en": "Your account's email address has not been validated yet. Click the link in "
        "the email we sent you, or ask for a new one.",
    },
    "login.too_many_attempts": {
        "fr": "Trop de tentatives de connexion. Réessayez dans {minutes} minute(s).",
        "en": "Too many login attempts. Try again in {minutes} minute(s).",
    },
    "action.resend": {
        "fr": "Envoyer de nouveau les instructions",
        "en": "Send the instructions again",
    },
    # Signup
    "signup.title": {"fr": "Ouverture de compte", "en": "Account opening"},
    "signup.password_hint": {"fr": "8 caractères minimum", "en": "8 characters minimum"},
    "signup.back": {
        "fr": "Retour au formulaire de connexion",
        "en": "Back to the login form",
    },
    "signup.help": {
        "fr": "Indiquez votre courriel et créez un mot de passe (8 caractères minimum), puis "
        "cliquez sur « Continuer ». Vous devez conserver ces informations qui vous serviront "
        "à accéder à la plateforme au besoin pour effectuer des changements.",
        "en": "Enter your email and create a password (8 characters minimum), then click "
        "“Continue”. Keep this information: you will need it to access the platform to make "
        "changes.",
    },
    # Account confirmation
    "confirm.title": {"fr": "Confirmation du compte", "en": "Account confirmation"},
    "confirm.step": {"fr": "Étape 2 de 2", "en": "Step 2 of 2"},
    "confirm.body": {
        "fr": "L'adresse courriel de votre compte doit être validée. Nous vous avons envoyé "
        "un courriel contenant les instructions à suivre pour activer votre compte.",
        "en": "Your account's email address must be validated. We sent you an email with the "
        "instructions to activate your account.",
    },
    "confirm.security": {
        "fr": "À des fins de sécurité, veuillez confirmer votre identité à l'aide du courriel "
        "de validation qui vous a été transmis. Dans votre boîte courriel, cliquez sur le "
        "lien en bleu.",
        "en": "For security purposes, please confirm your identity with the validation email "
        "sent to you. In your mailbox, click the blue link.",
    },
    "confirm.junk": {
        "fr": "Si vous n'avez pas reçu votre courriel de validation, vérifiez vos courriels "
        "indésirables et cliquez sur « Envoyer à nouveau les instructions ».",
        "en": "If you did not receive the validation email, check your junk mail and click "
        "“Send the instructions again”.",
    },
    "confirm.sent_to": {"fr": "Courriel envoyé à : {email}", "en": "Email sent to: {email}"},
    "notice.verification_resent": {
        "fr": "Si un compte en attente de validation correspond à cette adresse, les "
        "instructions viennent de lui être envoyées de nouveau.",
        "en": "If an account awaiting validation matches this address, the instructions have "
        "just been sent again.",
    },
    # Verification link
    "verify.success_title": {
        "fr": "Votre adresse e-mail a bien été validée",
        "en": "Your email address has been validated",
    },
    "verify.success_body": {
        "fr": "Vous pouvez maintenant vous connecter avec votre nouveau compte",
        "en": "You can now log in with your new account",
    },
    "verify.continue": {"fr": "CONTINUER", "en": "CONTINUE"},
    "verify.failed_title": {"fr": "Lien de validation invalide", "en": "Invalid validation link"},
    "verify.token_used": {
        "fr": "Ce lien de validation a déjà été utilisé. Si votre adresse est validée, vous "
        "pouvez vous connecter.",
        "en": "This validation link has already been used. If your address is validated, you "
        "can log in.",
    },
    "verify.token_expired": {
        "fr": "Ce lien de validation a expiré. Demandez un nouvel envoi des instructions.",
        "en": "This validation link has expired. Ask for the instructions to be sent again.",
    },
    "verify.token_invalid": {
        "fr": "Ce lien de validation n'est pas valide. Vérifiez que vous avez copié le lien "
        "au complet, ou demandez un nouvel envoi des instructions.",
        "en": "This validation link is not valid. Check that you copied the whole link, or "
        "ask for the instructions to be sent again.",
    },
    "verify.resend_intro": {
        "fr": "Pour recevoir un nouveau lien, indiquez l'adresse courriel de votre compte.",
        "en": "To receive a new link, enter your account's email address.",
    },
    "verify.go_login": {"fr": "Aller à la connexion", "en": "Go to login"},
    # Password reset
    "forgot.title": {"fr": "Mot de passe perdu", "en": "Forgotten password"},
    "forgot.intro": {
        "fr": "Indiquez l'adresse courriel de votre compte. Nous vous enverrons un lien pour "
        "choisir un nouveau mot de passe.",
        "en": "Enter your account's email address. We will send you a link to choose a new "
        "password.",
    },
    "forgot.sent": {
        "fr": "Si un compte correspond à cette adresse, un courriel contenant un lien de "
        "réinitialisation vient de lui être envoyé. Le lien est valide pour une durée limitée.",
        "en": "If an account matches this address, an email with a reset link has just been "
        "sent to it. The link is valid for a limited time.",
    },
    "reset.title": {"fr": "Nouveau mot de passe", "en": "New password"},
    "reset.intro": {
        "fr": "Choisissez un nouveau mot de passe (8 caractères minimum).",
        "en": "Choose a new password (8 characters minimum).",
    },
    "reset.new_link": {"fr": "Demander un nouveau lien", "en": "Ask for a new link"},
    "reset.token_invalid": {
        "fr": "Ce lien de réinitialisation n'est pas valide.",
        "en": "This reset link is not valid.",
    },
    "reset.token_expired": {
        "fr": "Ce lien de réinitialisation a expiré.",
        "en": "This reset link has expired.",
    },
    "reset.token_used": {
        "fr": "Ce lien de réinitialisation a déjà été utilisé.",
        "en": "This reset link has already been used.",
    },
    "notice.password_reset": {
        "fr": "Votre mot de passe a été modifié. Vous pouvez maintenant vous connecter.",
        "en": "Your password has been changed. You can now log in.",
    },
    "notice.logged_out": {"fr": "Vous êtes déconnecté.", "en": "You are logged out."},
    "notice.session_expired": {
        "fr": "Votre session a expiré; veuillez vous reconnecter.",
        "en": "Your session has expired; please log in again.",
    },
    # Personal information
    "profile.title": {"fr": "Informations personnelles", "en": "Personal information"},
    "profile.help": {
        "fr": "Complétez vos informations personnelles, puis cliquez sur « Mettre à jour ».",
        "en": "Fill in your personal information, then click “Update”.",
    },
    "profile.gender": {"fr": "Genre", "en": "Gender"},
    "profile.gender.female": {"fr": "Femme", "en": "Female"},
    "profile.gender.male": {"fr": "Homme", "en": "Male"},
    "profile.gender.other": {"fr": "Autre", "en": "Other"},
    "profile.gender.undisclosed": {
        "fr": "Je préfère ne pas répondre",
        "en": "I prefer not to say",
    },
    "profile.first_name": {"fr": "Prénom", "en": "First name"},
    "profile.last_name": {"fr": "Nom", "en": "Last name"},
    "profile.address_line1": {"fr": "Adresse ligne 1", "en": "Address line 1"},
    "profile.apartment": {"fr": "# app.", "en": "Apt #"},
    "profile.address_line2": {"fr": "Adresse ligne 2", "en": "Address line 2"},
    "profile.city": {"fr": "Ville", "en": "City"},
    "profile.province": {"fr": "Province", "en": "Province"},
    "profile.postal_code": {"fr": "Code postal", "en": "Postal code"},
    "profile.mobile_phone": {"fr": "Téléphone mobile", "en": "Mobile phone"},
    "profile.language": {"fr": "Langue", "en": "Language"},
    "profile.home_phone": {"fr": "Téléphone maison", "en": "Home phone"},
    "profile.work_phone": {"fr": "Téléphone au travail", "en": "Work phone"},
    "profile.ext": {"fr": "Ext.", "en": "Ext."},
    "profile.phones_hint": {
        "fr": "Au moins un numéro de téléphone est requis.",
        "en": "At least one phone number is required.",
    },
    "profile.submit": {"fr": "Mettre à jour", "en": "Update"},
    "notice.profile_updated": {
        "fr": "Vos informations personnelles ont été mises à jour.",
        "en": "Your personal information has been updated.",
    },
    # Dashboard and menu pages
    "dashboard.title": {"fr": "Tableau de bord", "en": "Dashboard"},
    "dashboard.hello": {"fr": "Bonjour {name}", "en": "Hello {name}"},
    "dashboard.intro": {
        "fr": "Bienvenue sur le portail des abonnements de stationnement. Utilisez le menu de "
        "gauche pour gérer votre compte.",
        "en": "Welcome to the parking subscription portal. Use the menu on the left to manage "
        "your account.",
    },
    "dashboard.profile_incomplete": {
        "fr": "Vos informations personnelles sont incomplètes. Elles sont nécessaires pour "
        "vous abonner.",
        "en": "Your personal information is incomplete. It is needed to subscribe.",
    },
    "dashboard.complete_profile": {
        "fr": "Compléter mes informations",
        "en": "Complete my information",
    },
    "dashboard.new_subscription": {
        "fr": "Créer un nouvel abonnement",
        "en": "Create a new subscription",
    },
    "dashboard.account": {"fr": "Mon compte", "en": "My account"},
    "dashboard.edit_profile": {
        "fr": "Modifier mes informations personnelles",
        "en": "Edit my personal information",
    },
    "dashboard.prepare": {"fr": "Avant de vous abonner", "en": "Before you subscribe"},
    "soon.title": {"fr": "Bientôt disponible", "en": "Coming soon"},
    "soon.body": {
        "fr": "Cette fonction sera offerte prochainement sur le portail.",
        "en": "This feature will be offered on the portal soon.",
    },
    "soon.back": {"fr": "Retour au tableau de bord", "en": "Back to the dashboard"},
    "operator.title": {"fr": "Console opérateur", "en": "Operator console"},
    "operator.body": {
        "fr": "La console opérateur (approbation et refus des demandes d'abonnement, suivi des "
        "contrats) arrivera avec le module des abonnements. Elle n'est pas encore disponible.",
        "en": "The operator console (approving and refusing subscription requests, following "
        "contracts) arrives with the subscriptions module. It is not available yet.",
    },
    "faq.title": {"fr": "Foire aux questions", "en": "Frequently asked questions"},
    "faq.q_ready": {
        "fr": "Que dois-je avoir en main pour m'abonner?",
        "en": "What should I have ready to subscribe?",
    },
    "faq.a_plates": {
        "fr": "Votre ou vos numéro(s) de plaque(s) d'immatriculation (si vous utilisez un "
        "certificat d'immatriculation, n'inscrivez pas le tiret et le dernier chiffre).",
        "en": "Your licence plate number(s) (if you copy it from a registration certificate, "
        "leave out the dash and the last digit).",
    },
    "faq.a_payment": {
        "fr": "Un spécimen de chèque ou votre carte de crédit.",
        "en": "A cheque specimen or your credit card.",
    },
    "faq.q_vehicles": {
        "fr": "Combien de véhicules puis-je enregistrer?",
        "en": "How many vehicles can I register?",
    },
    "faq.a_vehicles": {
        "fr": "Vous pouvez enregistrer un maximum de 2 véhicules. Il est de votre "
        "responsabilité de modifier les informations à votre dossier afin de le maintenir à "
        "jour en tout temps.",
        "en": "You can register up to 2 vehicles. It is your responsibility to keep the "
        "information in your file up to date at all times.",
    },
    "faq.q_approval": {
        "fr": "Mon abonnement est-il actif dès ma demande?",
        "en": "Is my subscription active as soon as I ask for it?",
    },
    "faq.a_approval": {
        "fr": "Non. L'accès au stationnement nécessite l'approbation de la SPAQ : votre demande "
        "reste en attente d'approbation jusqu'à ce que notre centre de service la traite. "
        "Vous recevrez un courriel lorsque votre demande sera traitée et, si elle est "
        "acceptée, votre contrat d'abonnement.",
        "en": "No. Access to the parking requires SPAQ's approval: your request stays pending "
        "until our service centre processes it. You will receive an email when it has been "
        "processed and, if it is accepted, your subscription contract.",
    },
    "faq.q_browsers": {
        "fr": "Quels navigateurs sont pris en charge?",
        "en": "Which browsers are supported?",
    },
    "faq.a_browsers": {
        "fr": "Le portail fonctionne avec Chrome, Firefox, Edge et Safari.",
        "en": "The portal works with Chrome, Firefox, Edge and Safari.",
    },
    # Settings
    "settings.title": {"fr": "Paramètres", "en": "Settings"},
    "settings.password_title": {"fr": "Changer le mot de passe", "en": "Change password"},
    "settings.current_password": {"fr": "Mot de passe actuel", "en": "Current password"},
    "settings.new_password": {"fr": "Nouveau mot de passe", "en": "New password"},
    "settings.new_password_confirmation": {
        "fr": "Confirmation du nouveau mot de passe",
        "en": "New password confirmation",
    },
    "settings.change_password": {"fr": "Changer le mot de passe", "en": "Change password"},
    "settings.data_title": {"fr": "Mes données", "en": "My data"},
    "settings.data_body": {
        "fr": "Téléchargez toutes les données personnelles que nous détenons à votre sujet, "
        "dans un format structuré (JSON).",
        "en": "Download all the personal data we hold about you, in a structured format (JSON).",
    },
    "settings.download": {"fr": "Télécharger mes données", "en": "Download my data"},
    "settings.profile_link": {"fr": "Informations personnelles", "en": "Personal information"},
    "settings.delete_title": {"fr": "Supprimer mon compte", "en": "Delete my account"},
    "settings.delete_body": {
        "fr": "La suppression est définitive : votre compte et vos données personnelles seront "
        "effacés.",
        "en": "Deletion is permanent: your account and your personal data will be erased.",
    },
    "settings.delete_confirm": {
        "fr": "Je comprends que la suppression de mon compte est définitive.",
        "en": "I understand that deleting my account is permanent.",
    },
    "settings.delete_confirm_required": {
        "fr": "Cochez la case pour confirmer la suppression.",
        "en": "Tick the box to confirm the deletion.",
    },
    "settings.delete_blocked": {
        "fr": "Votre compte ne peut pas être supprimé tant qu'un abonnement est actif. "
        "Annulez d'abord votre abonnement (MON ABONNEMENT), puis réessayez.",
        "en": "Your account cannot be deleted while a subscription is active. Cancel your "
        "subscription first (MY SUBSCRIPTION), then try again.",
    },
    "settings.delete_submit": {"fr": "Supprimer mon compte", "en": "Delete my account"},
    "notice.password_changed": {
        "fr": "Votre mot de passe a été modifié. Vos autres sessions ont été fermées.",
        "en": "Your password has been changed. Your other sessions have been closed.",
    },
    "notice.password_changed_login": {
        "fr": "Votre mot de passe a été modifié. Veuillez vous reconnecter.",
        "en": "Your password has been changed. Please log in again.",
    },
    "notice.account_deleted": {
        "fr": "Votre compte et vos données ont été supprimés.",
        "en": "Your account and your data have been deleted.",
    },
    # Errors
    "error.title": {"fr": "Une erreur est survenue", "en": "An error occurred"},
    "error.csrf": {
        "fr": "Ce formulaire a expiré ou ne provient pas de ce site. Rechargez la page et "
        "réessayez.",
        "en": "This form has expired or did not come from this site. Reload the page and try "
        "again.",
    },
    "error.not_found": {"fr": "Page introuvable.", "en": "Page not found."},
    "error.forbidden": {"fr": "Accès refusé.", "en": "Access denied."},
    "error.internal": {
        "fr": "Erreur interne; réessayez plus tard.",
        "en": "Internal error; please try again later.",
    },
    "error.back_home": {"fr": "Retour à l'accueil", "en": "Back to home"},
}

PROVINCES: dict[str, Message] = {
    "AB": {"fr": "Alberta", "en": "Alberta"},
    "BC": {"fr": "Colombie-Britannique", "en": "British Columbia"},
    "MB": {"fr": "Manitoba", "en": "Manitoba"},
    "NB": {"fr": "Nouveau-Brunswick", "en": "New Brunswick"},
    "NL": {"fr": "Terre-Neuve-et-Labrador", "en": "Newfoundland and Labrador"},
    "NS": {"fr": "Nouvelle-Écosse", "en": "Nova Scotia"},
    "NT": {"fr": "Territoires du Nord-Ouest", "en": "Northwest Territories"},
    "NU": {"fr": "Nunavut", "en": "Nunavut"},
    "ON": {"fr": "Ontario", "en": "Ontario"},
    "PE": {"fr": "Île-du-Prince-Édouard", "en": "Prince Edward Island"},
    "QC": {"fr": "Québec", "en": "Quebec"},
    "SK": {"fr": "Saskatchewan", "en": "Saskatchewan"},
    "YT": {"fr": "Yukon", "en": "Yukon"},
}

LANGUAGE_NAMES: dict[str, str] = {"fr": "Français", "en": "English"}


def pick(message: Message, language: str) -> str:
    """A bilingual message in the page's language, French when that one is missing."""
    return (message["en"] if language == "en" else "") or message["fr"]


def translator(language: str) -> Callable[..., str]:
    """`t(key, **values)` for templates and routes: the UI string, formatted."""

    def t(key: str, **values: object) -> str:
        text = pick(STRINGS[key], language)
        return text.format(**values) if values else text

    return t
