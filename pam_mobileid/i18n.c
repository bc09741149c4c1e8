/* User-visible texts: BankID's recommended user messages (RFA) and our own
 * lines, in English and Swedish. RFA texts are BankID's current wording
 * (doc/bankid.md, "Status lines"); the others are ours. */
#include "i18n.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const text_en[MSG_COUNT] = {
    [MSG_NONE] = "",
    [MSG_RFA1] = "Start your BankID app.",
    [MSG_RFA3] = "The action was cancelled. Please try again.",
    [MSG_RFA4] = "An identification or signature is already in progress "
		 "for your personal identity number. Please try again.",
    [MSG_RFA5] = "Something went wrong. Please try again.",
    [MSG_RFA6] = "The action was cancelled.",
    [MSG_RFA8] = "The BankID app is not responding. Please check that "
		 "it's started and that you have internet access. Try "
		 "again.",
    [MSG_RFA9] = "Enter your security code in the BankID app and select "
		 "Identify or Sign.",
    [MSG_RFA15A] = "Searching for BankID. Make sure you have a valid "
		   "BankID on this computer. If you have a BankID on "
		   "card, please insert the card into your card reader.",
    [MSG_RFA16] = "Your BankID is blocked or too old. Please use another "
		  "BankID or get a new one from your bank.",
    [MSG_RFA17A] = "You don't seem to have the BankID app/program. Please "
		   "install it and get a BankID from your bank.",
    [MSG_RFA17B] = "Failed to scan the QR code. Start the BankID app and "
		   "scan the QR code.",
    [MSG_RFA21] = "An identification or signing is in progress.",
    [MSG_RFA22] = "Something went wrong. Please try again.",
    [MSG_RFA23] = "Take a photo of, and scan, your ID document with the "
		  "BankID app.",
    [MSG_TITLE] = "Log in with BankID",
    [MSG_TITLE_SIGN] = "Sign with BankID",
    [MSG_PRESS_ENTER] = "Approve, then press Enter.",
    [MSG_CODE_FROM] = "Code from",
    [MSG_FRESH_CODE] = "Press Enter for a fresh one right before you scan.",
    /* the switch lines stay ASCII in every language: a client in a C
     * locale shows every other byte as an octal escape */
    [MSG_SWITCH_HALF] = "Code cut off? Type h, Enter.",
    [MSG_SWITCH_ASCII] = "Garbled code? Type a, Enter.",
    [MSG_TIME_LEFT] = "Time left:",
    [MSG_PHONE_CONFIRM_CALL] = "Confirm the call in the BankID app.",
    [MSG_APPROVED] = "Approved.",
    [MSG_TIMED_OUT] = "Time is up. Please try again.",
    [MSG_INTERRUPTED] = "The login request was cancelled.",
    [MSG_WRONG_IDENTITY] = "The BankID used does not belong to this "
			   "account.",
    [MSG_UNAVAILABLE] = "The service is not available right now. Please "
			"try again later.",
    [MSG_DENIED_BEFORE] = "The request was denied in the app.",
    [MSG_BUSY] = "Another login for this account is waiting for approval "
		 "in the app.",
    [MSG_TOO_MANY] = "Too many login requests. Please try again later.",
    [MSG_NO_TERMINAL] = "No terminal to show the login request on.",
    [MSG_GRACE] = "Approved in the app a moment ago.",
    [MSG_PBM_TITLE] = "Log in with PassBy[ME]",
    [MSG_PBM_APPROVE] = "Approve the request in the PassBy[ME] app.",
    [MSG_PBM_DELIVERED] = "The request has reached your phone. Approve it "
			  "in the PassBy[ME] app.",
    [MSG_PBM_SEEN] = "The request is open in the PassBy[ME] app. Approve "
		     "or deny it there.",
    [MSG_PBM_NOT_DELIVERED] = "The request has not reached your phone yet. "
			      "Open the PassBy[ME] app.",
    [MSG_PBM_DENIED] = "The request was denied in the PassBy[ME] app.",
    [MSG_PBM_EXPIRED] = "The request was not answered in time. Please try "
			"again.",
    [MSG_PBM_NO_DEVICE] = "Your PassBy[ME] account has no phone that can "
			  "take requests. Set up the PassBy[ME] app.",
    [MSG_PBM_DISABLED] = "Your PassBy[ME] account is disabled. Contact your "
			 "administrator.",
    [MSG_PBM_FAILED] = "PassBy[ME] could not deliver the request. Please "
		       "try again.",
    [MSG_PBM_UNKNOWN_USER] = "PassBy[ME] does not know the ID this account "
			     "is mapped to. Contact your administrator.",
    [MSG_PBM_WRONG_IDENTITY] = "The approval came from a PassBy[ME] ID that "
			       "does not belong to this account.",
    [MSG_TOOPHER_TITLE] = "Log in with Toopher",
    [MSG_TOOPHER_PUSHED] = "Approve the request in the Toopher app.",
    [MSG_TOOPHER_DENIED] = "The request was denied in the Toopher app.",
    [MSG_TOOPHER_PAIRING_GONE] = "The Toopher app is no longer paired with "
				 "this account. Ask your administrator to "
				 "pair it again.",
    [MSG_TOOPHER_USER_DISABLED] = "Toopher authentication is turned off "
				  "for this account.",
    [MSG_TOOPHER_UNKNOWN_USER] = "Toopher does not know this account. Ask "
				 "your administrator to pair your app.",
    [MSG_TOOPHER_UNKNOWN_TERMINAL] = "Toopher does not know this "
				     "computer. Please try again.",
    [MSG_TOOPHER_OTP] = "Toopher asks for a one-time password, which this "
			"login does not support.",
    [MSG_TOOPHER_REFUSED] = "Toopher refused the request. Please try "
			    "again later.",
    [MSG_TOOPHER_CONFIRM_PAIRING] = "Confirm the pairing in the Toopher "
				    "app.",
    [MSG_TOOPHER_PAIRING_DENIED] = "The pairing was denied in the Toopher "
				   "app.",
    [MSG_SIGN_NEEDS_BANKID] = "sudo here needs a signature in the BankID "
			      "app, and your account has no BankID.",
    [MSG_AUDIT_FAILED] = "Signed, but the signature could not be kept: "
			 "sudo is refused.",
    [MSG_SIGN_TOO_LONG] = "This command is too long to be signed whole: "
			  "sudo is refused. Put it in a script.",
};

static const char *const text_sv[MSG_COUNT] = {
    [MSG_NONE] = "",
    [MSG_RFA1] = "Starta BankID-appen.",
    [MSG_RFA3] = "Åtgärden avbröts. Försök igen.",
    [MSG_RFA4] = "En identifiering eller underskrift pågår redan för ditt "
		 "personnummer. Försök igen.",
    [MSG_RFA5] = "Något gick fel. Försök igen.",
    [MSG_RFA6] = "Åtgärden avbröts.",
    [MSG_RFA8] = "BankID-appen svarar inte. Kontrollera att den är "
		 "startad och att du har internetanslutning. Försök sedan "
		 "igen.",
    [MSG_RFA9] = "Skriv in din säkerhetskod i BankID-appen och välj "
		 "Identifiera eller Skriv under.",
    [MSG_RFA15A] = "Söker efter BankID. Säkerställ att du har ett giltigt "
		   "BankID på den här datorn. Om du har ett BankID på "
		   "kort, sätt in kortet i kortläsaren.",
    [MSG_RFA16] = "Ditt BankID är för gammalt eller spärrat. Använd ett "
		  "annat BankID eller skaffa ett nytt hos din bank.",
    [MSG_RFA17A] = "Du verkar inte ha BankID-appen/programmet. Installera "
		   "den och skaffa ett BankID hos din bank.",
    [MSG_RFA17B] = "Misslyckades att läsa av QR-koden. Starta "
		   "BankID-appen och läs av QR-koden.",
    [MSG_RFA21] = "En identifiering eller underskrift pågår.",
    [MSG_RFA22] = "Något gick fel. Försök igen.",
    [MSG_RFA23] = "Fotografera och läs av din ID-handling med "
		  "BankID-appen.",
    [MSG_TITLE] = "Logga in med BankID",
    [MSG_TITLE_SIGN] = "Signera med BankID",
    [MSG_PRESS_ENTER] = "Godkänn, tryck sedan Enter.",
    [MSG_CODE_FROM] = "Kod från",
    [MSG_FRESH_CODE] = "Tryck Enter för en ny precis innan du läser av den.",
    [MSG_SWITCH_HALF] = "Koden avklippt? Skriv h, Enter.",
    [MSG_SWITCH_ASCII] = "Konstig kod? Skriv a, Enter.",
    [MSG_TIME_LEFT] = "Tid kvar:",
    [MSG_PHONE_CONFIRM_CALL] = "Bekräfta samtalet i BankID-appen.",
    [MSG_APPROVED] = "Godkänt.",
    [MSG_TIMED_OUT] = "Tiden har gått ut. Försök igen.",
    [MSG_INTERRUPTED] = "Inloggningsbegäran avbröts.",
    [MSG_WRONG_IDENTITY] = "Det BankID som användes hör inte till det här "
			   "kontot.",
    [MSG_UNAVAILABLE] = "Tjänsten är inte tillgänglig just nu. Försök "
			"igen senare.",
    [MSG_DENIED_BEFORE] = "Begäran nekades i appen.",
    [MSG_BUSY] = "En annan inloggning till kontot väntar redan på "
		 "godkännande i appen.",
    [MSG_TOO_MANY] = "För många inloggningsförsök. Försök igen senare.",
    [MSG_NO_TERMINAL] = "Det finns ingen terminal att visa begäran i.",
    [MSG_GRACE] = "Godkänd i appen alldeles nyss.",
    [MSG_PBM_TITLE] = "Logga in med PassBy[ME]",
    [MSG_PBM_APPROVE] = "Godkänn begäran i PassBy[ME]-appen.",
    [MSG_PBM_DELIVERED] = "Begäran har nått din telefon. Godkänn den i "
			  "PassBy[ME]-appen.",
    [MSG_PBM_SEEN] = "Begäran är öppen i PassBy[ME]-appen. Godkänn eller "
		     "neka den där.",
    [MSG_PBM_NOT_DELIVERED] = "Begäran har inte nått din telefon än. Öppna "
			      "PassBy[ME]-appen.",
    [MSG_PBM_DENIED] = "Begäran nekades i PassBy[ME]-appen.",
    [MSG_PBM_EXPIRED] = "Begäran besvarades inte i tid. Försök igen.",
    [MSG_PBM_NO_DEVICE] = "Ditt PassBy[ME]-konto har ingen telefon som kan "
			  "ta emot begäran. Installera PassBy[ME]-appen.",
    [MSG_PBM_DISABLED] = "Ditt PassBy[ME]-konto är avstängt. Kontakta din "
			 "administratör.",
    [MSG_PBM_FAILED] = "PassBy[ME] kunde inte leverera begäran. Försök "
		       "igen.",
    [MSG_PBM_UNKNOWN_USER] = "PassBy[ME] känner inte till det ID som kontot "
			     "är kopplat till. Kontakta din administratör.",
    [MSG_PBM_WRONG_IDENTITY] = "Godkännandet kom från ett PassBy[ME]-ID som "
			       "inte hör till det här kontot.",
    [MSG_TOOPHER_TITLE] = "Logga in med Toopher",
    [MSG_TOOPHER_PUSHED] = "Godkänn begäran i Toopher-appen.",
    [MSG_TOOPHER_DENIED] = "Begäran nekades i Toopher-appen.",
    [MSG_TOOPHER_PAIRING_GONE] = "Toopher-appen är inte längre kopplad "
				 "till det här kontot. Be din administratör "
				 "att koppla den igen.",
    [MSG_TOOPHER_USER_DISABLED] = "Inloggning med Toopher är avstängd för "
				  "det här kontot.",
    [MSG_TOOPHER_UNKNOWN_USER] = "Toopher känner inte till det här "
				 "kontot. Be din administratör att koppla "
				 "din app.",
    [MSG_TOOPHER_UNKNOWN_TERMINAL] = "Toopher känner inte till den här "
				     "datorn. Försök igen.",
    [MSG_TOOPHER_OTP] = "Toopher begär ett engångslösenord, vilket den "
			"här inloggningen inte stöder.",
    [MSG_TOOPHER_REFUSED] = "Toopher avvisade begäran. Försök igen "
			    "senare.",
    [MSG_TOOPHER_CONFIRM_PAIRING] = "Bekräfta kopplingen i Toopher-appen.",
    [MSG_TOOPHER_PAIRING_DENIED] = "Kopplingen nekades i Toopher-appen.",
    [MSG_SIGN_NEEDS_BANKID] = "sudo här kräver en underskrift i "
			      "BankID-appen, och ditt konto har inget BankID.",
    [MSG_AUDIT_FAILED] = "Underskriven, men underskriften kunde inte "
			 "sparas: sudo nekas.",
    [MSG_SIGN_TOO_LONG] = "Kommandot är för långt för att skrivas under "
			  "helt: sudo nekas. Lägg det i ett skript.",
};

const char *i18n_text(enum mid_lang lang, enum mid_msg msg)
{
	const char *const *table = lang == LANG_SV ? text_sv : text_en;

	if ((unsigned)msg >= MSG_COUNT || !table[msg])
		return "";
	return table[msg];
}

enum mid_lang i18n_env_lang(const char *const *pam_env)
{
	static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = util_env(pam_env, vars[i]);

		if (v && *v)
			return strncmp(v, "sv", 2) == 0 ? LANG_SV : LANG_EN;
	}
	return LANG_EN;
}
