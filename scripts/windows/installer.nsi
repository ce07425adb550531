; The Windows installer of Petition Desk (信访助手), built with makensis by scripts/build-windows:
;   makensis -DVERSION=0.1.0 -DBINDIR=<folder with the .exe files> -DOUTFILE=<installer.exe> installer.nsi
;
; - Chinese first, English: the installer speaks the language of Windows' own UI, else Chinese.
; - Per-user for a citizen (the default: no administrator needed, into
;   %LOCALAPPDATA%\Programs\Petition Desk) or per-machine for a kiosk (/AllUsers, into
;   Program Files, administrator only); the page asks when run by an administrator.
; - Silent for administrators: /S, with /AllUsers or /CurrentUser, and
;     /KIOSKDATA=<folder>   the kiosk's data folder: kept as PETITION_DATA_DIR for every user
;                           (per-machine) or this user, and created
;     /WEBVIEW2=<file>      the WebView2 Runtime's offline (standalone) installer, run silently
;                           when no WebView2 Runtime is installed
;     /NOSHORTCUTS          no Start menu or desktop shortcut (a kiosk under Shell Launcher)
; - The uninstaller asks whether to keep the drafts and data (keeping them is the default, and
;   what a silent uninstall does unless /REMOVEDATA is given).

; A 64-bit installer for a 64-bit app (it also runs where no 32-bit Windows layer is installed).
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel user

!ifndef VERSION
  !error "makensis -DVERSION=x.y.z is required"
!endif
!ifndef BINDIR
  !error "makensis -DBINDIR=<folder with petition-desk.exe and petitionctl.exe> is required"
!endif
!ifndef OUTFILE
  !define OUTFILE "PetitionDesk-${VERSION}-setup.exe"
!endif

!define APP_NAME "Petition Desk"
!define APP_NAME_ZH "信访助手"
!define APP_ID "org.petitiondesk.desktop"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"
!define SETTINGS_KEY "Software\${APP_ID}"
!define ENV_SYSTEM "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"
; The WebView2 Runtime's client key (Microsoft's documented way to tell it is installed).
!define WEBVIEW2_GUID "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"

Name "${APP_NAME_ZH} ${APP_NAME}"
OutFile "${OUTFILE}"
VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=0 "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=0 "FileDescription" "${APP_NAME_ZH} ${APP_NAME} installer"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "LegalCopyright" "Petition Desk authors"

!define MULTIUSER_EXECUTIONLEVEL Highest
!define MULTIUSER_MUI
!define MULTIUSER_INSTALLMODE_COMMANDLINE
!define MULTIUSER_INSTALLMODE_DEFAULT_CURRENTUSER
!define MULTIUSER_USE_PROGRAMFILES64
!define MULTIUSER_INSTALLMODE_INSTDIR "${APP_NAME}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_KEY "${SETTINGS_KEY}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_VALUENAME "InstallDir"
!include MultiUser.nsh
!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include WinMessages.nsh
!include x64.nsh

Var KioskData
Var WebView2Installer
Var NoShortcuts

!define MUI_ABORTWARNING
!insertmacro MULTIUSER_PAGE_INSTALLMODE
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\petition-desk.exe"
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

; The first language is the one used when Windows' own is neither.
!insertmacro MUI_LANGUAGE "SimpChinese"
!insertmacro MUI_LANGUAGE "English"

LangString WebView2Missing ${LANG_SIMPCHINESE} "这台电脑没有 Microsoft Edge WebView2 运行时，信访助手需要它才能打开。$\r$\n请让管理员安装 WebView2 运行时（离线安装包见 README「Windows」一节），然后再打开信访助手。"
LangString WebView2Missing ${LANG_ENGLISH} "This computer has no Microsoft Edge WebView2 Runtime, which Petition Desk needs to open.$\r$\nAsk the administrator to install the WebView2 Runtime (the offline installer is described in README, section Windows), then open Petition Desk."
LangString WebView2Failed ${LANG_SIMPCHINESE} "WebView2 运行时没有装好（安装程序返回 $0）。信访助手已安装，但要等 WebView2 装好后才能打开。"
LangString WebView2Failed ${LANG_ENGLISH} "The WebView2 Runtime did not install (its installer returned $0). Petition Desk is installed but opens only once WebView2 is."
LangString KeepData ${LANG_SIMPCHINESE} "要保留您在这台电脑上的信访草稿和资料吗？$\r$\n选「是」：保留（以后重新安装还能看到）。$\r$\n选「否」：一并删除，删除后无法找回。"
LangString KeepData ${LANG_ENGLISH} "Keep your petition drafts and data on this computer?$\r$\nYes: keep them (they are there again if you reinstall).$\r$\nNo: delete them too. They cannot be brought back."
LangString ShortcutName ${LANG_SIMPCHINESE} "信访助手"
LangString ShortcutName ${LANG_ENGLISH} "Petition Desk"

Function .onInit
  !insertmacro MULTIUSER_INIT
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/KIOSKDATA=" $KioskData
  ${If} ${Errors}
    StrCpy $KioskData ""
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/WEBVIEW2=" $WebView2Installer
  ${If} ${Errors}
    StrCpy $WebView2Installer ""
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/NOSHORTCUTS" $R1
  ${If} ${Errors}
    StrCpy $NoShortcuts "0"
  ${Else}
    StrCpy $NoShortcuts "1"
  ${EndIf}
FunctionEnd

Function un.onInit
  !insertmacro MULTIUSER_UNINIT
FunctionEnd

; Whether a WebView2 Runtime is installed: $0 is its version, or empty.
!macro WEBVIEW2_VERSION
  StrCpy $0 ""
  ${If} ${RunningX64}
    ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKLM "SOFTWARE\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKCU "Software\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${EndIf}
  ${If} $0 == "0.0.0.0"
    StrCpy $0 ""
  ${EndIf}
!macroend

Section "Petition Desk" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  File "${BINDIR}\petition-desk.exe"
  File "${BINDIR}\petitionctl.exe"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  WriteRegStr SHCTX "${SETTINGS_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME_ZH} ${APP_NAME}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "Publisher" "Petition Desk"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\petition-desk.exe"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode'
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode /S'
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "EstimatedSize" $0

  ${If} $NoShortcuts == "0"
    CreateShortcut "$SMPROGRAMS\$(ShortcutName).lnk" "$INSTDIR\petition-desk.exe"
    CreateShortcut "$DESKTOP\$(ShortcutName).lnk" "$INSTDIR\petition-desk.exe"
  ${EndIf}

  ; The kiosk's data folder, where the app, petitionctl and Shell Launcher's command all find it.
  ${If} $KioskData != ""
    CreateDirectory "$KioskData"
    ${If} $MultiUser.InstallMode == "AllUsers"
      WriteRegExpandStr HKLM "${ENV_SYSTEM}" "PETITION_DATA_DIR" "$KioskData"
    ${Else}
      WriteRegExpandStr HKCU "Environment" "PETITION_DATA_DIR" "$KioskData"
    ${EndIf}
    WriteRegStr SHCTX "${SETTINGS_KEY}" "KioskData" "$KioskData"
    SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=2000
  ${EndIf}

  !insertmacro WEBVIEW2_VERSION
  ${If} $0 == ""
    ${If} $WebView2Installer != ""
      DetailPrint "WebView2: $WebView2Installer /silent /install"
      ExecWait '"$WebView2Installer" /silent /install' $0
      ${If} $0 != 0
        MessageBox MB_OK|MB_ICONEXCLAMATION "$(WebView2Failed)" /SD IDOK
      ${EndIf}
    ${Else}
      MessageBox MB_OK|MB_ICONEXCLAMATION "$(WebView2Missing)" /SD IDOK
    ${EndIf}
  ${EndIf}
SectionEnd

Section "Uninstall"
  ; Keeping the data is the default, and what a silent uninstall does without /REMOVEDATA.
  StrCpy $R9 "keep"
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/REMOVEDATA" $R1
  ${IfNot} ${Errors}
    StrCpy $R9 "remove"
  ${ElseIfNot} ${Silent}
    MessageBox MB_YESNO|MB_ICONQUESTION|MB_DEFBUTTON1 "$(KeepData)" IDYES +2
    StrCpy $R9 "remove"
  ${EndIf}

  ReadRegStr $R2 SHCTX "${SETTINGS_KEY}" "KioskData"
  ${If} $R9 == "remove"
    ; The data of the user who uninstalls (a per-machine context's $LOCALAPPDATA is ProgramData).
    SetShellVarContext current
    RMDir /r "$LOCALAPPDATA\${APP_ID}"
    ${If} $MultiUser.InstallMode == "AllUsers"
      SetShellVarContext all
    ${EndIf}
    ${If} $R2 != ""
      RMDir /r "$R2"
    ${EndIf}
  ${EndIf}
  ${If} $R2 != ""
    ${If} $MultiUser.InstallMode == "AllUsers"
      DeleteRegValue HKLM "${ENV_SYSTEM}" "PETITION_DATA_DIR"
    ${Else}
      DeleteRegValue HKCU "Environment" "PETITION_DATA_DIR"
    ${EndIf}
    SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=2000
  ${EndIf}

  Delete "$SMPROGRAMS\$(ShortcutName).lnk"
  Delete "$DESKTOP\$(ShortcutName).lnk"
  Delete "$INSTDIR\petition-desk.exe"
  Delete "$INSTDIR\petitionctl.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey SHCTX "${UNINSTALL_KEY}"
  DeleteRegKey SHCTX "${SETTINGS_KEY}"
SectionEnd
