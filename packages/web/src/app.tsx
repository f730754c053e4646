import { useEffect } from 'preact/hooks';
import { refreshSession } from './account/session';
import { AdminPage } from './admin/admin-page';
import { languageStore } from './i18n';
import { HomePage } from './pages/home';
import { LoginPage } from './pages/login';
import { NotFoundPage } from './pages/not-found';
import { PrivacyPage } from './pages/privacy';
import { RoomPage } from './pages/room/room-page';
import { SetupPage } from './pages/setup';
import { useLocation } from './routing/navigation';
import { parseRoute } from './routing/routes';
import { useStore } from './state/store';

export function App() {
  const { pathname, search } = useLocation();
  const route = parseRoute(pathname, search);
  // Every component renders its text with t(); a new language re-renders the whole app.
  useStore(languageStore);

  useEffect(() => {
    void refreshSession();
  }, []);

  // Move focus to the new page's content so keyboard and screen-reader users start at the top.
  useEffect(() => {
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [pathname]);

  switch (route.page) {
    case 'home':
      return <HomePage />;
    case 'login':
      return <LoginPage next={route.next} />;
    case 'setup':
      return <SetupPage />;
    case 'privacy':
      return <PrivacyPage />;
    case 'admin':
      return <AdminPage />;
    case 'room':
      // Keyed by name: another room is a fresh page with its own devices and meeting.
      return <RoomPage key={route.roomName} roomName={route.roomName} invitation={route.invitation} />;
    case 'not-found':
      return <NotFoundPage />;
  }
}
