"""UI strings, French first, and the language of a page."""

from collections.abc import Callable
from datetime import date

from servicekit import formats
from servicekit.messages import Message
from servicekit.money import format_cents

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
    # Subscriptions: "Créer un nouvel abonnement" (labels of the seed, verbatim)
    "journey.title": {"fr": "Créer un nouvel abonnement", "en": "Create a new subscription"},
    "journey.steps": {"fr": "Étapes de la demande", "en": "Steps of the request"},
    "journey.step.offering": {"fr": "Abonnement", "en": "Subscription"},
    "journey.step.vehicles": {"fr": "Véhicules", "en": "Vehicles"},
    "journey.step.information": {"fr": "Informations", "en": "Information"},
    "journey.step.summary": {"fr": "Récapitulatif", "en": "Summary"},
    "journey.step.payment": {"fr": "Paiement", "en": "Payment"},
    "journey.site": {
        "fr": "1. Sélectionnez un stationnement ou une organisation",
        "en": "1. Select a parking lot or an organisation",
    },
    "journey.category": {
        "fr": "2. Sélectionnez votre catégorie d'utilisateur",
        "en": "2. Select your user category",
    },
    "journey.offering": {
        "fr": "3. Sélectionnez l'abonnement souhaité",
        "en": "3. Select the subscription you want",
    },
    "journey.choose": {"fr": "— Choisir —", "en": "— Choose —"},
    "journey.show": {"fr": "Afficher les choix", "en": "Show the choices"},
    "journey.plate_site": {
        "fr": "Reconnaissance par plaques d'immatriculation",
        "en": "Licence-plate recognition",
    },
    "journey.no_offering": {
        "fr": "Aucun abonnement n'est offert pour cette catégorie.",
        "en": "No subscription is offered for this category.",
    },
    "journey.start": {
        "fr": "Je souhaite m'abonner à partir du",
        "en": "I wish to subscribe starting on",
    },
    "journey.accept_terms": {
        "fr": "J'accepte les conditions d'abonnement",
        "en": "I accept the subscription terms",
    },
    "journey.understand_approval": {
        "fr": "Je comprends que l'accès au stationnement nécessite l'approbation de la SPAQ.",
        "en": "I understand that access to the parking requires SPAQ's approval.",
    },
    "journey.select": {"fr": "Sélectionner cet abonnement", "en": "Select this subscription"},
    "journey.vehicles_title": {"fr": "Vos véhicules", "en": "Your vehicles"},
    "journey.choose_vehicles": {
        "fr": "Sélectionnez le ou les véhicules (1 ou 2) de cet abonnement",
        "en": "Select the vehicle(s) (1 or 2) of this subscription",
    },
    "journey.next": {"fr": "Continuer à l'étape suivante", "en": "Continue to the next step"},
    "journey.info_title": {
        "fr": "Complétez les informations nécessaires à l'abonnement",
        "en": "Complete the information needed for the subscription",
    },
    "journey.home_phone": {"fr": "Téléphone à la maison", "en": "Home phone"},
    "journey.work_phone_ext": {"fr": "Poste", "en": "Extension"},
    "journey.edit_personal": {
        "fr": "Modifier mes informations personnelles",
        "en": "Edit my personal information",
    },
    "journey.additional": {"fr": "Informations additionnelles", "en": "Additional information"},
    "journey.employee_number": {
        "fr": "* Numéro d'employé (si vous êtes résident, merci d'inscrire résident dans cette "
        "case)",
        "en": "* Employee number (if you are a resident, please enter resident in this box)",
    },
    "journey.employee_number_short": {"fr": "Numéro d'employé", "en": "Employee number"},
    "journey.error.site": {
        "fr": "Sélectionnez un stationnement ou une organisation.",
        "en": "Select a parking lot or an organisation.",
    },
    "journey.error.offering": {
        "fr": "Sélectionnez l'abonnement souhaité.",
        "en": "Select the subscription you want.",
    },
    "journey.error.start_date": {"fr": "Indiquez une date valide.", "en": "Enter a valid date."},
    "journey.error.start_past": {
        "fr": "La date ne peut pas être dans le passé.",
        "en": "The date cannot be in the past.",
    },
    "journey.error.consent": {
        "fr": "Cochez cette case pour continuer.",
        "en": "Tick this box to continue.",
    },
    "journey.error.vehicles": {
        "fr": "Sélectionnez 1 ou 2 véhicules.",
        "en": "Select 1 or 2 vehicles.",
    },
    "journey.error.employee_number": {
        "fr": "Inscrivez votre numéro d'employé, ou « résident ».",
        "en": "Enter your employee number, or “resident”.",
    },
    "journey.error.employee_number_long": {
        "fr": "Le numéro d'employé est trop long (50 caractères au plus).",
        "en": "The employee number is too long (50 characters at most).",
    },
    "journey.error.profile_incomplete": {
        "fr": "Vos informations personnelles sont incomplètes : complétez-les avant de "
        "transmettre votre demande.",
        "en": "Your personal information is incomplete: complete it before sending your request.",
    },
    "journey.error.payment_required": {
        "fr": "Cet abonnement est facturé par prélèvements préautorisés, et le paiement en "
        "ligne n'est pas encore offert sur le portail. Seuls les abonnements en déduction à la "
        "source (DAS) peuvent être demandés pour le moment. Votre demande n'a pas été "
        "transmise.",
        "en": "This subscription is billed by pre-authorized debits, and online payment is not "
        "offered on the portal yet. Only payroll-deduction (DAS) subscriptions can be requested "
        "for now. Your request was not sent.",
    },
    "billing.payroll": {
        "fr": "DAS (Déduction à la source)",
        "en": "DAS (Payroll deduction)",
    },
    "billing.pad": {
        "fr": "Prélèvements préautorisés (carte de crédit ou compte bancaire)",
        "en": "Pre-authorized debits (credit card or bank account)",
    },
    "payment.payroll": {"fr": "Déduction à la source", "en": "Payroll deduction"},
    "payment.pad": {"fr": "Prélèvement préautorisé", "en": "Pre-authorized debit"},
    # Step 5 "Ajouter une carte de crédit", the card update, invoices (labels of the seed)
    "payment.card": {"fr": "Carte de crédit", "en": "Credit card"},
    "payment.pad_account": {"fr": "Prélèvement pré-autorisé", "en": "Pre-authorized debit"},
    "pay.title": {"fr": "Ajouter une carte de crédit", "en": "Add a credit card"},
    "pay.step": {"fr": "ÉTAPE 5 DE 5", "en": "STEP 5 OF 5"},
    "pay.cancel_request": {"fr": "Annuler la demande", "en": "Cancel the request"},
    "pay.your_subscription": {"fr": "VOTRE ABONNEMENT", "en": "YOUR SUBSCRIPTION"},
    "pay.service": {"fr": "Service", "en": "Service"},
    "pay.monthly": {"fr": "Mensualité du service", "en": "Monthly price of the service"},
    "pay.current_period": {
        "fr": "Prix pour la période en cours",
        "en": "Price for the current period",
    },
    "pay.period": {"fr": "du {start} au {end}", "en": "from {start} to {end}"},
    "pay.pretax": {"fr": "Prix avant taxes", "en": "Pre-tax price"},
    "pay.gst": {"fr": "TPS (5 %)", "en": "GST (5%)"},
    "pay.qst": {"fr": "TVQ (9,975 %)", "en": "QST (9.975%)"},
    "pay.prorated_note": {
        "fr": "La première période est calculée au prorata des jours restants du mois; elle est "
        "facturée à l'approbation de votre demande.",
        "en": "The first period is prorated to the days left in the month; it is billed when "
        "your request is approved.",
    },
    "pay.prorated_note_pad": {
        "fr": "La première période est calculée au prorata des jours restants du mois. À "
        "l'approbation de votre demande, un avis de prélèvement vous est envoyé par courriel; le "
        "premier prélèvement a lieu au moins 10 jours plus tard, puis le 1er de chaque mois.",
        "en": "The first period is prorated to the days left in the month. When your request is "
        "approved, a debit notice is emailed to you; the first debit takes place at least 10 days "
        "later, then on the 1st of each month.",
    },
    "pay.method_title": {
        "fr": "1. Sélectionnez votre méthode de paiement",
        "en": "1. Select your payment method",
    },
    "pay.method_card": {"fr": "Carte de crédit", "en": "Credit card"},
    "pay.method_pad": {"fr": "Prélèvement pré-auto.", "en": "Pre-auth. debit"},
    "pay.show_method": {"fr": "Afficher ce formulaire", "en": "Show this form"},
    "pay.details_title": {
        "fr": "2. Rajoutez vos informations bancaires",
        "en": "2. Add your banking information",
    },
    "pay.account_details": {"fr": "Détails du compte", "en": "Account details"},
    "pay.holder": {"fr": "Nom du titulaire", "en": "Holder's name"},
    "pay.card_number": {"fr": "No. de carte", "en": "Card number"},
    "pay.expiry": {"fr": "Date d'expiration", "en": "Expiry date"},
    "pay.month": {"fr": "Mois", "en": "Month"},
    "pay.year": {"fr": "Année", "en": "Year"},
    "pay.cvv": {"fr": "CVV", "en": "CVV"},
    "pay.cvv_hint": {
        "fr": "Les 3 ou 4 chiffres au dos de la carte. Ils ne sont jamais conservés.",
        "en": "The 3 or 4 digits on the back of the card. They are never kept.",
    },
    "pay.card_consent": {
        "fr": "J'autorise la SPAQ à prélever chaque mois la mensualité de mon abonnement sur "
        "cette carte de crédit.",
        "en": "I authorize SPAQ to charge my subscription's monthly price to this credit card "
        "every month.",
    },
    "pay.submit": {"fr": "Soumettre", "en": "Submit"},
    "pay.institution": {"fr": "Numéro de l'institution", "en": "Institution number"},
    "pay.transit": {"fr": "Numéro de transit", "en": "Transit number"},
    "pay.account": {"fr": "Numéro de compte", "en": "Account number"},
    "pay.specimen": {"fr": "Spécimen de chèque", "en": "Cheque specimen"},
    "pay.specimen_hint": {
        "fr": "Un fichier PDF, PNG ou JPEG de 5 Mo au plus.",
        "en": "A PDF, PNG or JPEG file of 5 MB at most.",
    },
    "pay.browse": {"fr": "Parcourir", "en": "Browse"},
    "pay.no_file": {"fr": "Aucun fichier choisi", "en": "No file chosen"},
    "pay.payer_type": {"fr": "Type de prélèvement", "en": "Type of debit"},
    "pay.payer_personal": {"fr": "Personnel", "en": "Personal"},
    "pay.payer_business": {"fr": "Entreprise", "en": "Business"},
    "pay.agreement_title": {
        "fr": "Accord de prélèvement préautorisé",
        "en": "Pre-authorized debit agreement",
    },
    "pay.agreement_accept": {
        "fr": "J'ai lu l'accord de prélèvement préautorisé ci-dessus et j'y consens.",
        "en": "I have read the pre-authorized debit agreement above and I consent to it.",
    },
    "pay.add": {"fr": "Ajouter", "en": "Add"},
    "pay.help_title": {"fr": "Obtenir de l'aide", "en": "Get help"},
    "pay.cheque_alt": {
        "fr": "Un chèque annulé et l'emplacement de ses numéros",
        "en": "A void cheque and where its numbers are",
    },
    "pay.legend_1": {
        "fr": "Adresse de l'institution financière",
        "en": "Address of the financial institution",
    },
    "pay.legend_2": {"fr": "Numéro de transit", "en": "Transit number"},
    "pay.legend_3": {"fr": "Numéro de l'institution", "en": "Institution number"},
    "pay.legend_4": {"fr": "Numéro de compte", "en": "Account number"},
    "pay.legend_5": {"fr": "Chiffre vérificateur", "en": "Check digit"},
    "pay.error.required": {"fr": "Champ requis", "en": "Required field"},
    "pay.error.expiry": {
        "fr": "Choisissez le mois et l'année d'expiration.",
        "en": "Choose the expiry month and year.",
    },
    "pay.error.card_number": {"fr": "Numéro de carte invalide.", "en": "Invalid card number."},
    "pay.error.card_expired": {"fr": "La carte est expirée.", "en": "The card has expired."},
    "pay.error.cvv": {
        "fr": "Le CVV compte 3 ou 4 chiffres.",
        "en": "The CVV has 3 or 4 digits.",
    },
    "pay.error.agreement": {
        "fr": "Vous devez accepter l'accord de prélèvement préautorisé.",
        "en": "You must accept the pre-authorized debit agreement.",
    },
    "pay.error.specimen_required": {
        "fr": "Joignez un spécimen de chèque.",
        "en": "Attach a cheque specimen.",
    },
    "pay.error.specimen_too_large": {
        "fr": "Le spécimen ne peut dépasser 5 Mo.",
        "en": "The specimen cannot exceed 5 MB.",
    },
    "notice.request_abandoned": {
        "fr": "Votre demande a été annulée; elle n'a pas été transmise.",
        "en": "Your request was cancelled; it was not sent.",
    },
    "status.in_arrears": {"fr": "En retard de paiement", "en": "In arrears"},
    "detail.update_card": {
        "fr": "Mettre à jour la carte de crédit",
        "en": "Update the credit card",
    },
    "detail.arrears_notice": {
        "fr": "Le paiement de votre abonnement a été refusé à plusieurs reprises et votre solde "
        "est en souffrance. Mettez à jour votre carte de crédit pour régler le solde et "
        "rétablir l'accès au stationnement.",
        "en": "Your subscription's payment was declined several times and your balance is "
        "overdue. Update your credit card to pay the balance and restore access to the parking.",
    },
    "detail.invoices": {"fr": "Factures et reçus", "en": "Invoices and receipts"},
    "card.title": {"fr": "Mettre à jour la carte de crédit", "en": "Update the credit card"},
    "card.current": {"fr": "Carte actuelle", "en": "Current card"},
    "card.intro": {
        "fr": "La nouvelle carte remplace la carte actuelle pour les prochains paiements de cet "
        "abonnement; un solde impayé y est porté aussitôt.",
        "en": "The new card replaces the current one for this subscription's next payments; an "
        "unpaid balance is charged to it at once.",
    },
    "card.not_a_card": {
        "fr": "Cet abonnement n'est pas payé par carte de crédit.",
        "en": "This subscription is not paid by credit card.",
    },
    "notice.card_updated": {
        "fr": "Votre carte de crédit a été mise à jour.",
        "en": "Your credit card has been updated.",
    },
    "invoices.title": {"fr": "Factures et reçus", "en": "Invoices and receipts"},
    "menu.invoices": {"fr": "FACTURES ET REÇUS", "en": "INVOICES AND RECEIPTS"},
    "invoices.none": {
        "fr": "Aucune facture pour le moment.",
        "en": "No invoice for now.",
    },
    "invoices.number": {"fr": "Numéro", "en": "Number"},
    "invoices.period": {"fr": "Période", "en": "Period"},
    "invoices.total": {"fr": "Total (TTC)", "en": "Total (taxes incl.)"},
    "invoices.pretax": {"fr": "Avant taxes", "en": "Pre-tax"},
    "invoices.gst": {"fr": "TPS", "en": "GST"},
    "invoices.qst": {"fr": "TVQ", "en": "QST"},
    "invoices.status": {"fr": "Statut", "en": "Status"},
    "invoices.documents": {"fr": "Documents", "en": "Documents"},
    "invoices.invoice_pdf": {"fr": "Facture (PDF)", "en": "Invoice (PDF)"},
    "invoices.receipt_pdf": {"fr": "Reçu (PDF)", "en": "Receipt (PDF)"},
    "invoice.status.paid": {"fr": "Payée", "en": "Paid"},
    "invoice.status.unpaid": {"fr": "Impayée", "en": "Unpaid"},
    "invoice.status.credited": {"fr": "Créditée", "en": "Credited"},
    "invoice.status.payroll": {"fr": "Déduction à la source", "en": "Payroll deduction"},
    # Vehicles ("Ajoutez un véhicule", "Mes véhicules")
    "vehicles.title": {"fr": "Véhicules", "en": "Vehicles"},
    "vehicles.page_title": {"fr": "Mes véhicules", "en": "My vehicles"},
    "vehicles.none": {
        "fr": "Aucun véhicule n'est enregistré à votre dossier.",
        "en": "No vehicle is registered in your file.",
    },
    "vehicles.add": {"fr": "Ajouter un véhicule", "en": "Add a vehicle"},
    "vehicles.add_title": {"fr": "Ajoutez un véhicule", "en": "Add a vehicle"},
    "vehicles.save": {"fr": "Enregistrer mon véhicule", "en": "Save my vehicle"},
    "vehicles.edit": {"fr": "Éditer", "en": "Edit"},
    "vehicles.delete": {"fr": "Supprimer", "en": "Delete"},
    "vehicles.max_note": {
        "fr": "* Vous pouvez enregistrer un maximum de 2 véhicules. Il est de votre "
        "responsabilité de modifier les informations à votre dossier afin de le maintenir à "
        "jour en tout temps.",
        "en": "* You can register up to 2 vehicles. It is your responsibility to keep the "
        "information in your file up to date at all times.",
    },
    "vehicle.year": {"fr": "Année", "en": "Year"},
    "vehicle.make": {"fr": "Marque", "en": "Make"},
    "vehicle.model": {"fr": "Modèle", "en": "Model"},
    "vehicle.color": {"fr": "Couleur", "en": "Colour"},
    "vehicle.plate": {"fr": "Numéro d'immatriculation", "en": "Licence plate number"},
    "vehicle.plate_short": {"fr": "Immatriculation", "en": "Licence plate"},
    "vehicle.help": {"fr": "Besoin d'aide ?", "en": "Need help?"},
    "vehicle.help_text": {
        "fr": "Inscrivez le numéro de la plaque, sans espace. Si vous utilisez un certificat "
        "d'immatriculation, n'inscrivez pas le tiret et le dernier chiffre (ABC123-4 : "
        "inscrivez ABC123).",
        "en": "Enter the plate number, without spaces. If you copy it from a registration "
        "certificate, leave out the dash and the last digit (ABC123-4: enter ABC123).",
    },
    "action.cancel": {"fr": "Annuler", "en": "Cancel"},
    "action.back": {"fr": "Retour", "en": "Back"},
    "notice.vehicle_added": {
        "fr": "Votre véhicule a été enregistré.",
        "en": "Your vehicle has been saved.",
    },
    "notice.vehicle_updated": {
        "fr": "Votre véhicule a été modifié.",
        "en": "Your vehicle has been updated.",
    },
    "notice.vehicle_change_requested": {
        "fr": "Ce véhicule fait partie d'un abonnement actif : votre changement a été transmis "
        "comme demande de modification et sera appliqué une fois approuvé.",
        "en": "This vehicle is on an active subscription: your change was sent as a modification "
        "request and will apply once approved.",
    },
    "notice.vehicle_deleted": {
        "fr": "Votre véhicule a été supprimé.",
        "en": "Your vehicle has been deleted.",
    },
    # Summary ("Récapitulatif de votre abonnement")
    "summary.title": {
        "fr": "Récapitulatif de votre abonnement",
        "en": "Summary of your subscription",
    },
    "summary.subtitle": {
        "fr": "Revisez le sommaire de votre abonnement",
        "en": "Review the summary of your subscription",
    },
    "summary.site_title": {
        "fr": "Coordonnées du stationnement ou de l'organisme",
        "en": "Parking lot or organisation details",
    },
    "summary.site": {"fr": "Stationnement ou organisme", "en": "Parking lot or organisation"},
    "summary.service_title": {"fr": "Détails du service", "en": "Service details"},
    "summary.description": {"fr": "Description", "en": "Description"},
    "summary.billing": {"fr": "Facturation", "en": "Billing"},
    "summary.monthly_billing": {"fr": "Mensuel", "en": "Monthly"},
    "summary.monthly": {"fr": "Mensualité (TTC)", "en": "Monthly payment (taxes incl.)"},
    "summary.start": {"fr": "Début de l'abonnement", "en": "Subscription start"},
    "summary.end": {"fr": "Fin de l'abonnement", "en": "Subscription end"},
    "summary.end_open": {"fr": "Indéterminée", "en": "Open-ended"},
    "summary.access_title": {"fr": "Document d'accès", "en": "Access document"},
    "summary.access_body": {
        "fr": "Si ce n'est pas déjà fait, veuillez prendre note que vous recevrez bientôt les "
        "informations concernant l'obtention de votre document d'accès.",
        "en": "If you have not already, please note that you will soon receive the information "
        "on obtaining your access document.",
    },
    "summary.submit": {"fr": "Transmettre ma demande", "en": "Send my request"},
    "summary.fix": {"fr": "Corriger cette information", "en": "Correct this information"},
    "summary.choose_other": {
        "fr": "Choisir un autre abonnement",
        "en": "Choose another subscription",
    },
    "notice.request_sent": {
        "fr": "Votre demande d'abonnement a été transmise. Un courriel de confirmation vous a "
        "été envoyé.",
        "en": "Your subscription request has been sent. A confirmation email was sent to you.",
    },
    # MON ABONNEMENT ("Détails de l'abonnement")
    "list.title": {"fr": "Mes abonnements", "en": "My subscriptions"},
    "list.none": {
        "fr": "Vous n'avez aucun abonnement pour le moment.",
        "en": "You have no subscription for now.",
    },
    "detail.title": {"fr": "Détails de l'abonnement", "en": "Subscription details"},
    "detail.all": {"fr": "Tous mes abonnements", "en": "All my subscriptions"},
    "detail.actions": {"fr": "Actions", "en": "Actions"},
    "detail.setup_in_progress": {
        "fr": "Votre abonnement est approuvé. Votre contrat et votre premier paiement sont en "
        "préparation; vous recevrez votre contrat par courriel.",
        "en": "Your subscription is approved. Your contract and first payment are being "
        "prepared; you will receive your contract by email.",
    },
    "detail.setup_late": {
        "fr": "Votre abonnement est approuvé, mais votre contrat et votre premier paiement "
        "prennent plus de temps que prévu. Ils suivront automatiquement, sans action de votre "
        "part; vous recevrez votre contrat par courriel.",
        "en": "Your subscription is approved, but your contract and first payment are taking "
        "longer than expected. They will follow automatically, with nothing for you to do; you "
        "will receive your contract by email.",
    },
    "detail.pending_notice": {
        "fr": "Votre abonnement est présentement en attente d'approbation. Vous recevrez un "
        "courriel lorsque votre demande sera traitée par notre centre de service.",
        "en": "Your subscription is currently awaiting approval. You will receive an email when "
        "our service centre has processed your request.",
    },
    "detail.refused_notice": {
        "fr": "Votre demande d'abonnement a été refusée.",
        "en": "Your subscription request was refused.",
    },
    "detail.reason": {"fr": "Motif", "en": "Reason"},
    "detail.status": {"fr": "Statut de l'abonnement", "en": "Subscription status"},
    "detail.contract_number": {"fr": "Numéro de contrat", "en": "Contract number"},
    "detail.payment_method": {"fr": "Méthode de paiement", "en": "Payment method"},
    "detail.method": {"fr": "Méthode", "en": "Method"},
    "detail.balance": {"fr": "Solde", "en": "Balance"},
    "detail.approval_day": {"fr": "Jour de l'approbation", "en": "Day of approval"},
    "detail.withdraw": {
        "fr": "Annuler cette demande de service",
        "en": "Cancel this service request",
    },
    "detail.modify": {
        "fr": "Transmettre une demande de modification",
        "en": "Send a modification request",
    },
    "detail.cancel": {
        "fr": "Transmettre une demande d'annulation",
        "en": "Send a cancellation request",
    },
    "detail.contract": {"fr": "Télécharger mon contrat", "en": "Download my contract"},
    "detail.cancellation_scheduled": {
        "fr": "Une demande d'annulation est enregistrée : votre abonnement prendra fin le {date}.",
        "en": "A cancellation request is recorded: your subscription will end on {date}.",
    },
    "detail.modification_pending": {
        "fr": "Une demande de modification de cet abonnement est en attente d'approbation.",
        "en": "A modification request for this subscription is awaiting approval.",
    },
    "detail.withdraw_cancellation": {
        "fr": "Retirer ma demande d'annulation",
        "en": "Withdraw my cancellation request",
    },
    "status.pending_approval": {"fr": "En attente d'approbation", "en": "Awaiting approval"},
    "status.active": {"fr": "Actif", "en": "Active"},
    "status.refused": {"fr": "Refusée", "en": "Refused"},
    "status.withdrawn": {"fr": "Annulée", "en": "Withdrawn"},
    "status.expired": {"fr": "Expirée", "en": "Expired"},
    "status.ended": {"fr": "Terminé", "en": "Ended"},
    "withdraw.confirm": {
        "fr": "Voulez-vous vraiment annuler votre demande d'abonnement (contrat {number}) ? "
        "Elle ne sera pas traitée.",
        "en": "Do you really want to cancel your subscription request (contract {number})? It "
        "will not be processed.",
    },
    "withdraw.submit": {"fr": "Oui, annuler ma demande", "en": "Yes, cancel my request"},
    "notice.request_withdrawn": {
        "fr": "Votre demande de service a été annulée.",
        "en": "Your service request has been cancelled.",
    },
    # "Transmettre une demande d'annulation"
    "cancel.title": {
        "fr": "Transmettre une demande d'annulation",
        "en": "Send a cancellation request",
    },
    "cancel.choose": {
        "fr": "Choisissez le service à annuler",
        "en": "Choose the service to cancel",
    },
    "cancel.end_label": {"fr": "fin de l'abonnement", "en": "subscription end"},
    "cancel.end_open": {"fr": "Indéterminé", "en": "Open-ended"},
    "cancel.explain": {
        "fr": "Choisissez la date à laquelle vous souhaitez annuler votre abonnement. Votre "
        "demande d'annulation sera traitée selon les conditions spécifiées à votre contrat, "
        "veuillez-vous référer à la clause d'annulation afin de respecter le délai prescrit.",
        "en": "Choose the date on which you wish to cancel your subscription. Your cancellation "
        "request will be processed under the terms of your contract; please refer to the "
        "cancellation clause to respect the required notice.",
    },
    "cancel.date": {"fr": "Date d'annulation souhaitée", "en": "Desired cancellation date"},
    "cancel.submit": {
        "fr": "Envoyer la demande d'annulation",
        "en": "Send the cancellation request",
    },
    "cancel.confirm": {
        "fr": "Confirmer la demande d'annulation",
        "en": "Confirm the cancellation request",
    },
    "cancel.back": {"fr": "Revenir en arrière", "en": "Go back"},
    "cancel.effective": {
        "fr": "Votre abonnement prendra fin le {date}.",
        "en": "Your subscription will end on {date}.",
    },
    "cancel.notice_applied": {
        "fr": "La clause d'annulation de votre contrat prévoit un préavis de {days} jours : la "
        "date demandée ({date}) est reportée en conséquence.",
        "en": "Your contract's cancellation clause requires {days} days' notice: the requested "
        "date ({date}) is moved accordingly.",
    },
    "cancel.confirm_question": {
        "fr": "Confirmez-vous cette demande d'annulation ?",
        "en": "Do you confirm this cancellation request?",
    },
    "cancel.none": {
        "fr": "Aucun abonnement actif ne peut être annulé.",
        "en": "No active subscription can be cancelled.",
    },
    "cancel.error.service": {
        "fr": "Choisissez le service à annuler.",
        "en": "Choose the service to cancel.",
    },
    "cancel.error.past": {
        "fr": "La date d'annulation ne peut pas être dans le passé.",
        "en": "The cancellation date cannot be in the past.",
    },
    "notice.cancellation_sent": {
        "fr": "Votre demande d'annulation a été enregistrée.",
        "en": "Your cancellation request has been recorded.",
    },
    "notice.cancellation_withdrawn": {
        "fr": "Votre demande d'annulation a été retirée; votre abonnement se poursuit.",
        "en": "Your cancellation request has been withdrawn; your subscription continues.",
    },
    # "Transmettre une demande de modification"
    "modify.title": {
        "fr": "Transmettre une demande de modification",
        "en": "Send a modification request",
    },
    "modify.intro": {
        "fr": "Changez les véhicules de votre abonnement, ou choisissez un autre abonnement au "
        "même stationnement. Votre demande sera traitée par notre centre de service.",
        "en": "Change the vehicles of your subscription, or choose another subscription at the "
        "same parking lot. Our service centre will process your request.",
    },
    "modify.offering": {"fr": "Abonnement", "en": "Subscription"},
    "modify.submit": {
        "fr": "Transmettre la demande de modification",
        "en": "Send the modification request",
    },
    "modify.error.nothing": {
        "fr": "Vous n'avez rien changé : choisissez un autre abonnement ou d'autres véhicules.",
        "en": "You changed nothing: choose another subscription or other vehicles.",
    },
    "notice.modification_sent": {
        "fr": "Votre demande de modification a été transmise.",
        "en": "Your modification request has been sent.",
    },
    # Operator console
    "operator.pending_title": {"fr": "Demandes en attente", "en": "Pending requests"},
    "operator.no_pending": {"fr": "Aucune demande en attente.", "en": "No pending request."},
    "operator.filter_title": {"fr": "Filtrer par stationnement", "en": "Filter by parking lot"},
    "operator.site": {"fr": "Stationnement ou organisme", "en": "Parking lot or organisation"},
    "operator.all_sites": {"fr": "Tous les stationnements", "en": "All parking lots"},
    "operator.filter": {"fr": "Filtrer", "en": "Filter"},
    "operator.search_title": {"fr": "Rechercher", "en": "Search"},
    "operator.search_label": {
        "fr": "Numéro de contrat, plaque ou courriel",
        "en": "Contract number, plate or email",
    },
    "operator.search_hint": {
        "fr": "Ex. : 10095259, ABC123 ou nom@exemple.org",
        "en": "E.g. 10095259, ABC123 or name@example.org",
    },
    "operator.search": {"fr": "Rechercher", "en": "Search"},
    "operator.search_empty": {
        "fr": "Inscrivez un terme de recherche.",
        "en": "Enter a search term.",
    },
    "operator.no_account": {
        "fr": "Aucun compte ne correspond à cette adresse courriel.",
        "en": "No account matches this email address.",
    },
    "operator.no_result": {"fr": "Aucun résultat.", "en": "No result."},
    "operator.received": {"fr": "Reçue le", "en": "Received on"},
    "operator.requested_start": {"fr": "Début demandé", "en": "Requested start"},
    "operator.detail_title": {"fr": "Demande {number}", "en": "Request {number}"},
    "operator.workflow_link": {
        "fr": "Voir le flux de travail dans Temporal Web UI",
        "en": "See the workflow in the Temporal Web UI",
    },
    "operator.decision_title": {"fr": "Décision", "en": "Decision"},
    "operator.approve": {"fr": "Approuver", "en": "Approve"},
    "operator.refuse": {"fr": "Refuser", "en": "Refuse"},
    "operator.reason": {
        "fr": "Motif du refus (transmis à l'usager)",
        "en": "Reason for refusal (sent to the user)",
    },
    "operator.reason_required": {
        "fr": "Indiquez le motif du refus.",
        "en": "Enter the reason for the refusal.",
    },
    "operator.offering_full": {
        "fr": "Cet abonnement est complet : aucune place n'est disponible. La demande reste en "
        "attente.",
        "en": "This subscription is full: no space is available. The request stays pending.",
    },
    "operator.modification_title": {"fr": "Demande de modification", "en": "Modification request"},
    "operator.cancel_title": {"fr": "Annuler l'abonnement", "en": "Cancel the subscription"},
    "operator.cancel_explain": {
        "fr": "Pour l'abonné (par exemple à sa demande au téléphone) : la clause d'annulation de "
        "son contrat s'applique et il en est avisé par courriel. L'historique vous nomme.",
        "en": "For the subscriber (for example at their request by phone): their contract's "
        "cancellation clause applies and they are notified by email. The history names you.",
    },
    "operator.cancel_submit": {
        "fr": "Annuler l'abonnement à cette date",
        "en": "Cancel the subscription on this date",
    },
    "operator.cancel_scheduled": {
        "fr": "L'abonnement prendra fin le {date}.",
        "en": "The subscription will end on {date}.",
    },
    "operator.cancel_withdraw": {"fr": "Retirer l'annulation", "en": "Withdraw the cancellation"},
    "notice.operator_cancellation": {
        "fr": "L'annulation a été enregistrée; l'abonné en est avisé.",
        "en": "The cancellation has been recorded; the subscriber is notified.",
    },
    "notice.operator_cancellation_withdrawn": {
        "fr": "L'annulation a été retirée; l'abonnement se poursuit.",
        "en": "The cancellation has been withdrawn; the subscription continues.",
    },
    "operator.person": {"fr": "Demandeur", "en": "Requester"},
    "operator.person_unknown": {
        "fr": "Ce compte n'existe plus.",
        "en": "This account no longer exists.",
    },
    "operator.history": {"fr": "Historique", "en": "History"},
    "operator.when": {"fr": "Date", "en": "Date"},
    "operator.action": {"fr": "Action", "en": "Action"},
    "operator.transition": {"fr": "Statut", "en": "Status"},
    "operator.actor": {"fr": "Par", "en": "By"},
    "notice.request_approved": {
        "fr": "La demande a été approuvée.",
        "en": "The request has been approved.",
    },
    "notice.request_refused": {
        "fr": "La demande a été refusée.",
        "en": "The request has been refused.",
    },
    # "PAYER UN AVIS DE RÉCLAMATION" (claim notices)
    "claims.title": {"fr": "Payer un avis de réclamation", "en": "Pay a claim notice"},
    "claims.lookup_title": {"fr": "Trouver votre avis", "en": "Find your notice"},
    "claims.intro": {
        "fr": "Inscrivez le numéro de l'avis et le numéro d'immatriculation qui y figurent, "
        "puis cliquez sur « Continuer ».",
        "en": "Enter the notice number and the licence plate number shown on it, then click "
        "“Continue”.",
    },
    "claims.number": {"fr": "Numéro de l'avis", "en": "Notice number"},
    "claims.plate": {"fr": "Numéro d'immatriculation", "en": "Licence plate number"},
    "claims.plate_hint": {
        "fr": "Sans le tiret ni le dernier chiffre du certificat d'immatriculation.",
        "en": "Without the dash and the last digit of the registration certificate.",
    },
    "claims.required": {"fr": "Champ requis.", "en": "This field is required."},
    "claims.not_found": {
        "fr": "Aucun avis ne correspond à ce numéro et à ce numéro d'immatriculation. Vérifiez "
        "les deux numéros inscrits sur l'avis.",
        "en": "No notice matches this number and this licence plate. Check both numbers "
        "printed on the notice.",
    },
    "claims.notice_title": {"fr": "Avis de réclamation {number}", "en": "Claim notice {number}"},
    "claims.notice_details": {"fr": "Détails de l'avis", "en": "Notice details"},
    "claims.site": {"fr": "Stationnement", "en": "Parking lot"},
    "claims.issued_on": {"fr": "Date de l'avis", "en": "Notice date"},
    "claims.amount": {"fr": "Montant", "en": "Amount"},
    "claims.due_on": {"fr": "Date d'échéance", "en": "Due date"},
    "claims.status": {"fr": "Statut", "en": "Status"},
    "claims.status.unpaid": {"fr": "À payer", "en": "Unpaid"},
    "claims.status.paid": {"fr": "Payé", "en": "Paid"},
    "claims.paid_at": {"fr": "Payé le", "en": "Paid on"},
    "claims.paid_note": {
        "fr": "Cet avis est déjà payé; vous n'avez rien à faire.",
        "en": "This notice is already paid; there is nothing more to do.",
    },
    "claims.card_title": {"fr": "Payer par carte de crédit", "en": "Pay by credit card"},
    "claims.holder_name": {"fr": "Nom du titulaire", "en": "Cardholder name"},
    "claims.card_number": {"fr": "No. de carte", "en": "Card number"},
    "claims.expiry_invalid": {
        "fr": "Date d'expiration invalide.",
        "en": "Invalid expiry date.",
    },
    "claims.cvv": {"fr": "CVV", "en": "CVV"},
    "claims.email": {
        "fr": "Adresse courriel pour le reçu (facultatif)",
        "en": "Email address for the receipt (optional)",
    },
    "claims.pay": {"fr": "Payer {amount}", "en": "Pay {amount}"},
    "claims.cancel": {"fr": "Annuler", "en": "Cancel"},
    "claims.already_paid": {
        "fr": "Cet avis est déjà payé : aucun montant n'a été porté à votre carte.",
        "en": "This notice is already paid: your card was not charged.",
    },
    "claims.nothing_charged": {
        "fr": "Le paiement n'a pas été effectué : aucun montant n'a été porté à votre carte.",
        "en": "The payment was not made: your card was not charged.",
    },
    "claims.receipt_title": {"fr": "Paiement reçu", "en": "Payment received"},
    "claims.receipt_body": {
        "fr": "Votre paiement de {amount} pour l'avis {number} a été reçu le {date}. Merci.",
        "en": "Your payment of {amount} for notice {number} was received on {date}. Thank you.",
    },
    "claims.receipt_emailed": {
        "fr": "Un reçu a été envoyé à votre adresse courriel.",
        "en": "A receipt was sent to your email address.",
    },
    "claims.receipt_number": {"fr": "Numéro de reçu", "en": "Receipt number"},
    "claims.receipt_download": {
        "fr": "Télécharger le reçu (PDF)",
        "en": "Download the receipt (PDF)",
    },
    "claims.another": {"fr": "Payer un autre avis", "en": "Pay another notice"},
    "claims.mine_title": {"fr": "Mes avis de réclamation", "en": "My claim notices"},
    "claims.mine_intro": {
        "fr": "Les avis émis pour les plaques des véhicules enregistrés à votre dossier.",
        "en": "The notices issued for the plates of the vehicles registered in your file.",
    },
    "claims.mine_none": {
        "fr": "Aucun avis de réclamation pour vos véhicules.",
        "en": "No claim notice for your vehicles.",
    },
    "claims.pay_this": {"fr": "Payer", "en": "Pay"},
    # Operator console: claim notices and an account's billing
    "opclaims.title": {"fr": "Avis de réclamation", "en": "Claim notices"},
    "opclaims.create_title": {"fr": "Émettre un avis", "en": "Issue a notice"},
    "opclaims.create": {"fr": "Créer l'avis", "en": "Create the notice"},
    "opclaims.amount_hint": {"fr": "En dollars, ex. : 45,00", "en": "In dollars, e.g. 45.00"},
    "opclaims.amount_invalid": {
        "fr": "Montant invalide (un montant positif, ex. : 45,00).",
        "en": "Invalid amount (a positive amount, e.g. 45.00).",
    },
    "opclaims.site_required": {
        "fr": "Choisissez un stationnement.",
        "en": "Choose a parking lot.",
    },
    "opclaims.import_title": {"fr": "Importer un fichier CSV", "en": "Import a CSV file"},
    "opclaims.import_hint": {
        "fr": "Une ligne d'en-tête : number,plate,site_id,issued_on,amount_cents,due_on "
        "(dates AAAA-MM-JJ, montant en cents). Toutes les lignes sont importées, ou aucune.",
        "en": "A header line: number,plate,site_id,issued_on,amount_cents,due_on "
        "(dates YYYY-MM-DD, amount in cents). Every line is imported, or none.",
    },
    "opclaims.file": {"fr": "Fichier CSV", "en": "CSV file"},
    "opclaims.file_required": {"fr": "Choisissez un fichier CSV.", "en": "Choose a CSV file."},
    "opclaims.import": {"fr": "Importer", "en": "Import"},
    "opclaims.import_result": {"fr": "Résultat de l'importation", "en": "Import result"},
    "opclaims.imported": {"fr": "{count} avis importé(s).", "en": "{count} notice(s) imported."},
    "opclaims.import_failed": {
        "fr": "Aucun avis n'a été importé : corrigez les lignes suivantes, puis réessayez.",
        "en": "No notice was imported: fix the following lines, then try again.",
    },
    "opclaims.line": {"fr": "Ligne", "en": "Line"},
    "opclaims.field": {"fr": "Champ", "en": "Field"},
    "opclaims.error": {"fr": "Erreur", "en": "Error"},
    "opclaims.latest_title": {"fr": "Derniers avis émis", "en": "Latest notices issued"},
    "opclaims.none_yet": {"fr": "Aucun avis émis.", "en": "No notice issued."},
    "notice.claim_created": {
        "fr": "L'avis de réclamation a été créé.",
        "en": "The claim notice has been created.",
    },
    "opbilling.title": {"fr": "Facturation du compte", "en": "Account billing"},
    "opbilling.account": {"fr": "Compte", "en": "Account"},
    "opbilling.balance": {"fr": "Solde", "en": "Balance"},
    "opbilling.methods": {"fr": "Méthodes de paiement", "en": "Payment methods"},
    "opbilling.specimen": {"fr": "Spécimen de chèque", "en": "Cheque specimen"},
    "opbilling.method": {"fr": "Méthode de paiement", "en": "Payment method"},
    "opbilling.method.card": {"fr": "Carte de crédit", "en": "Credit card"},
    "opbilling.method.pad": {"fr": "Prélèvement pré-autorisé", "en": "Pre-authorized debit"},
    "opbilling.no_method": {
        "fr": "Aucune méthode de paiement au dossier.",
        "en": "No payment method on file.",
    },
    "opbilling.invoices": {"fr": "Factures", "en": "Invoices"},
    "opbilling.no_invoices": {"fr": "Aucune facture.", "en": "No invoice."},
    "opbilling.adjust_title": {
        "fr": "Enregistrer un paiement manuel ou un crédit",
        "en": "Record a manual payment or a credit",
    },
    "opbilling.kind": {"fr": "Type", "en": "Type"},
    "opbilling.kind.payment": {"fr": "Paiement manuel", "en": "Manual payment"},
    "opbilling.kind.credit": {"fr": "Crédit", "en": "Credit"},
    "opbilling.kind_required": {
        "fr": "Choisissez le type d'ajustement.",
        "en": "Choose the kind of adjustment.",
    },
    "opbilling.amount": {"fr": "Montant ($)", "en": "Amount ($)"},
    "opbilling.reason": {"fr": "Raison (obligatoire)", "en": "Reason (mandatory)"},
    "opbilling.submit": {"fr": "Enregistrer", "en": "Record"},
    "opbilling.adjustments": {"fr": "Ajustements", "en": "Adjustments"},
    "opbilling.link": {"fr": "Facturation du compte", "en": "Account billing"},
    "notice.adjustment_recorded": {
        "fr": "L'ajustement a été enregistré.",
        "en": "The adjustment has been recorded.",
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


def money(cents: int | None, language: str) -> str:
    """An amount in dollars as a person of that language writes it: `65,00 $` or `$65.00`."""
    return format_cents(int(cents or 0), "en" if language == "en" else "fr")


def long_date(value: object, language: str) -> str:
    """`2023-09-01` (or a datetime's ISO form) as `1er septembre 2023` / `September 1, 2023`."""
    try:
        day = date.fromisoformat(str(value or "")[:10])
    except ValueError:
        return str(value or "")
    return formats.long_date(day, "en" if language == "en" else "fr")
